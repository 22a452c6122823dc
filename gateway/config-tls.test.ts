import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ward-config-tls-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('TLS configuration', () => {
  it('is off without a "tls" block', () => {
    expect(loadConfig({ dataDir: temp() }, {}).tls).toBeNull();
  });

  it('turns wss:// and MLLP over TLS on with default ports, paths relative to the file', () => {
    const dir = temp();
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ tls: { certFile: 'pki/station.crt', keyFile: '/etc/ward/station.key', clientCaFile: 'pki/ca.crt' } }));
    expect(loadConfig({ dataDir: dir }, {}).tls).toEqual({
      certFile: join(dir, 'pki/station.crt'),
      keyFile: '/etc/ward/station.key',
      clientCaFile: join(dir, 'pki/ca.crt'),
      requireClientCertificate: true,
      websocketPort: 7443,
      mllpPort: 2576,
      plainWebsocket: true,
    });
  });

  it('lets each TLS listener be turned off, and flags pick their ports', () => {
    const dir = temp();
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ tls: { certFile: 'a.crt', keyFile: 'a.key', mllp: { enabled: false }, websocket: { port: 9443 } } }));
    expect(loadConfig({ dataDir: dir }, {}).tls).toMatchObject({ websocketPort: 9443, mllpPort: null, clientCaFile: null });
    expect(loadConfig({ dataDir: dir, deviceTlsPort: 0 }, {}).tls?.websocketPort).toBe(0);
  });

  it('refuses the demo ward without the clear-text WebSocket listener', () => {
    const dir = temp();
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ demo: { enabled: true }, tls: { certFile: 'a.crt', keyFile: 'a.key', plainWebsocket: false } }));
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(ConfigError);
  });
});
