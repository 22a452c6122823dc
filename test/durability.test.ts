import { afterAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { databasePath } from '../gateway/station.js';
import { freePort, startGatewayProcess } from './helpers/gateway-process.js';
import { openDatabase } from '../gateway/storage/database.js';
import { DeviceRegistry } from '../gateway/storage/device-registry.js';
import { WardRepository } from '../gateway/storage/ward-repository.js';
import { tempDir } from './helpers/station-fixture.js';

const DEVICES = 12;

describe('durability', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('keeps every acknowledged sample across a SIGKILL and stores resent frames once', async () => {
    // The ward is set up in-process through the registry the CLI uses: a dozen CLI start-ups
    // would take most of this test's time on a busy machine.
    const setup = openDatabase(databasePath(dir.path));
    new WardRepository(setup).addBed('B1', 'Bed 1', 'test');
    const registry = new DeviceRegistry(setup);
    const keys = Array.from({ length: DEVICES }, (_, i) => registry.register({ id: `dev-${i}`, model: 'Test', transport: 'websocket', bedId: 'B1' }, 'test').key!);
    setup.close();
    const port = await freePort();
    const args = ['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(port), '--ui-port', '0', '--mllp-port', '0', '--no-demo'];

    let gateway = await startGatewayProcess(args);
    let totalAcks = 0;
    let onAck: (() => void) | null = null;
    const clients = keys.map(
      (key) =>
        new DeviceClient({
          url: `ws://127.0.0.1:${port}/devices`,
          key,
          // Retry about every second while the killed gateway starts again (a busy machine may
          // take several seconds), instead of backing off towards 10 s.
          maxReconnectDelayMs: 1000,
          onAck: () => {
            totalAcks++;
            onAck?.();
          },
        }),
    );
    await Promise.all(clients.map((c) => c.connect()));
    let sending = true;
    const pump = setInterval(() => {
      if (!sending) return;
      for (const c of clients) c.send({ HR: 70, SPO2: 97, RR: 15 }, Date.now());
    }, 5);

    // Kill while frames are in flight, once plenty have been acknowledged.
    await new Promise<void>((resolve) => {
      onAck = () => totalAcks >= 400 && resolve();
    });
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    const ackedBeforeKill = clients.map((c) => c.lastAck);
    const sentBeforeKill = clients.map((c) => c.pendingCount + c.lastAck);
    expect(ackedBeforeKill.every((a) => a > 0)).toBe(true);
    // Some frames were sent but never acknowledged: they are what must be resent.
    expect(sentBeforeKill.some((s, i) => s > ackedBeforeKill[i]!)).toBe(true);

    gateway = await startGatewayProcess(args);
    await Promise.all(clients.map((c) => c.opened()));
    sending = false;
    clearInterval(pump);
    const lastSent = clients.map((c) => c.send({ HR: 71 }, Date.now()));
    await Promise.all(clients.map((c, i) => c.acked(lastSent[i]!)));
    await Promise.all(clients.map((c) => c.close()));
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    const db = new BetterSqlite3(databasePath(dir.path), { readonly: true });
    for (let i = 0; i < DEVICES; i++) {
      const seqs = (db.prepare('SELECT seq FROM observations WHERE device_id = ? ORDER BY seq').all(`dev-${i}`) as Array<{ seq: number }>).map((r) => r.seq);
      // Every frame 1..lastSent exactly once: nothing acknowledged was lost, nothing resent doubled.
      expect(seqs.length).toBe(lastSent[i]);
      expect(seqs[0]).toBe(1);
      expect(seqs[seqs.length - 1]).toBe(lastSent[i]);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    db.close();
  });
});
