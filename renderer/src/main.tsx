import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { GatewayClient } from './gateway-client.js';
import './styles.css';

const client = new GatewayClient();
createRoot(document.getElementById('root')!).render(<App client={client} />);
void client.start();
