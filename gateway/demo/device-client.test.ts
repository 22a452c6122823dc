import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceClient } from './device-client.js';

/** A listener that refuses every WebSocket upgrade with 401, as a station refuses an unknown key. */
async function refusingStation(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('DeviceClient without reconnecting (what refusal tests and one-shot tools use)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it('connect() fails with the refusal when the station refuses the key, instead of waiting for ever', async () => {
    const { server, port } = await refusingStation();
    servers.push(server);
    const refused: number[] = [];
    const client = new DeviceClient({ url: `ws://127.0.0.1:${port}/devices`, key: 'wsk_unknown', reconnect: false, onRefused: (status) => refused.push(status) });
    await expect(client.connect()).rejects.toThrow(/refused the connection \(HTTP 401\)/);
    expect(refused).toEqual([401]);
  });

  it('connect() fails when nothing listens', async () => {
    const { server, port } = await refusingStation();
    await new Promise((resolve) => server.close(resolve));
    const client = new DeviceClient({ url: `ws://127.0.0.1:${port}/devices`, key: 'wsk_unknown', reconnect: false });
    await expect(client.connect()).rejects.toThrow(/closed before it opened/);
  });
});
