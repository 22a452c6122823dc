import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../gateway/config.js';
import { silentLogger } from '../gateway/log.js';
import { startStation } from '../gateway/station.js';
import { listen } from '../gateway/common/listen.js';
import { tempDir, testConfig } from './helpers/station-fixture.js';

/**
 * Files below `dir` this process still holds open. The station's storage threads run in this
 * process, each with its own SQLite connection: a thread left running after a failed start keeps
 * its descriptors on the database (and keeps the process alive).
 */
function openFilesBelow(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(join('/proc/self/fd', fd));
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // The descriptor readdir itself used, closed by now.
    }
  }
  return open;
}

async function occupiedPort(): Promise<Server> {
  const server = createServer();
  await listen(server, 0, '127.0.0.1');
  return server;
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

describe('a station that fails to start part-way', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function dataDir(): string {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    return dir.path;
  }

  it('says the device port is taken, and leaves no storage thread holding the database', async () => {
    const taken = await occupiedPort();
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const dir = dataDir();
    await expect(startStation(testConfig(dir, { devicePort: portOf(taken) }), silentLogger())).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(openFilesBelow(dir)).toEqual([]);
  });

  it('says the UI port is taken, and leaves no storage thread holding the database', async () => {
    const taken = await occupiedPort();
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const dir = dataDir();
    await expect(startStation(testConfig(dir, { uiPort: portOf(taken) }), silentLogger())).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(openFilesBelow(dir)).toEqual([]);
  });

  it('refuses an unusable TLS certificate, and leaves no storage thread holding the database', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'cert.pem'), 'not a certificate');
    writeFileSync(join(dir, 'key.pem'), 'not a key');
    const configFile = join(dir, 'station.json');
    writeFileSync(configFile, JSON.stringify({ tls: { certFile: 'cert.pem', keyFile: 'key.pem' } }));
    await expect(startStation(testConfig(dir, { config: configFile, deviceTlsPort: 0, mllpTlsPort: 0 }), silentLogger())).rejects.toThrow(ConfigError);
    // The configuration file and the certificate were read and closed; nothing is left open.
    expect(openFilesBelow(dir)).toEqual([]);
  });

  it('can start on the same folder once the port is free again', async () => {
    const taken = await occupiedPort();
    const port = portOf(taken);
    const dir = dataDir();
    await expect(startStation(testConfig(dir, { devicePort: port }), silentLogger())).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    const station = await startStation(testConfig(dir, { devicePort: port }), silentLogger());
    expect(station.devicePort).toBe(port);
    await station.stop();
    expect(openFilesBelow(dir)).toEqual([]);
  });
});
