import { gatewayIngest } from './ingest-bench.js';
const r = await gatewayIngest({ devices: 1000, vitalsPerSecond: 50_000, seconds: 15 });
console.log(JSON.stringify(r));
process.exit(0);
