import { afterAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { DeviceClient, SERVICE_RESTART } from '../gateway/demo/device-client.js';
import { databasePath } from '../gateway/station.js';
import { cli, freePort, startGatewayProcess } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

const DEVICES = 6;

describe('graceful stop (SIGTERM, as systemd and the desktop app stop the station)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('commits what it received, closes devices with 1012, and they come back after the restart with nothing acked lost', { timeout: 240_000 }, async () => {
    cli(dir.path, 'beds', 'add', '--id', 'B1');
    const keys = Array.from({ length: DEVICES }, (_, i) => cli<{ key: string }>(dir.path, 'devices', 'add', '--id', `dev-${i}`, '--model', 'Test', '--bed', 'B1').key);
    const port = await freePort();
    const args = ['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(port), '--ui-port', '0', '--no-mllp', '--no-demo'];

    let gateway = await startGatewayProcess(args);
    const closeCodes: number[][] = keys.map(() => []);
    let totalAcks = 0;
    let onAck: (() => void) | null = null;
    const clients = keys.map(
      (key, i) =>
        new DeviceClient({
          url: `ws://127.0.0.1:${port}/devices`,
          key,
          onClose: (code) => closeCodes[i]!.push(code),
          onAck: () => {
            totalAcks++;
            onAck?.();
          },
        }),
    );
    await Promise.all(clients.map((c) => c.connect()));
    const pump = setInterval(() => {
      for (const c of clients) c.send({ HR: 70, SPO2: 97 }, Date.now());
    }, 5);
    await new Promise<void>((resolve) => {
      onAck = () => totalAcks >= 300 && resolve();
    });

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    // Every device was told "service restart", none was simply cut off.
    expect(closeCodes.map((codes) => codes[0])).toEqual(keys.map(() => SERVICE_RESTART));
    const ackedAtStop = clients.map((c) => c.lastAck);

    // What was acknowledged before the stop is on disk, in full, before anything restarts.
    const before = new BetterSqlite3(databasePath(dir.path), { readonly: true });
    for (let i = 0; i < DEVICES; i++) {
      const stored = before.prepare('SELECT count(DISTINCT seq) AS n, max(seq) AS last FROM observations WHERE device_id = ? AND seq <= ?').get(`dev-${i}`, ackedAtStop[i]) as { n: number; last: number };
      expect(stored).toEqual({ n: ackedAtStop[i], last: ackedAtStop[i] });
    }
    before.close();

    gateway = await startGatewayProcess(args);
    await Promise.all(clients.map((c) => c.opened()));
    clearInterval(pump);
    const lastSent = clients.map((c) => c.send({ HR: 71 }, Date.now()));
    await Promise.all(clients.map((c, i) => c.acked(lastSent[i]!)));
    await Promise.all(clients.map((c) => c.close()));
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    const db = new BetterSqlite3(databasePath(dir.path), { readonly: true });
    for (let i = 0; i < DEVICES; i++) {
      const row = db.prepare('SELECT count(*) AS n, count(DISTINCT seq) AS distinctSeqs, min(seq) AS first, max(seq) AS last FROM observations WHERE device_id = ?').get(`dev-${i}`);
      expect(row).toEqual({ n: lastSent[i], distinctSeqs: lastSent[i], first: 1, last: lastSent[i] });
    }
    db.close();
  });
});
