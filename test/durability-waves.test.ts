import { afterAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { databasePath } from '../gateway/station.js';
import { WaveQueries } from '../gateway/waves/wave-queries.js';
import type { WaveFrame } from '../gateway/protocol/wave-frames.js';
import { cli, freePort, startGatewayProcess } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

const DEVICES = 4;

/** Samples that identify their frame: a decoded block proves it is the one sent with that seq. */
const frameFor = (device: number, seq: number): Omit<WaveFrame, 'seq'> => ({
  startTs: Date.now(),
  wave: 'PLETH',
  sampleRate: 250,
  scale: 0.001,
  offset: 0,
  samples: Int16Array.from({ length: 250 }, (_, i) => (device * 1000 + seq * 7 + i) % 30000),
});

describe('wave durability', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('keeps every acknowledged wave block across a SIGKILL and stores resent blocks once', async () => {
    cli(dir.path, 'beds', 'add', '--id', 'B1');
    const keys = Array.from({ length: DEVICES }, (_, i) => cli<{ key: string }>(dir.path, 'devices', 'add', '--id', `dev-${i}`, '--model', 'Test', '--bed', 'B1').key);
    const port = await freePort();
    const args = ['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(port), '--ui-port', '0', '--mllp-port', '0', '--no-demo'];

    let gateway = await startGatewayProcess(args);
    const clients = keys.map((key) => new DeviceClient({ url: `ws://127.0.0.1:${port}/devices`, key }));
    await Promise.all(clients.map((c) => c.connect()));
    const sentSeqs = clients.map(() => 0);
    let sending = true;
    const pump = setInterval(() => {
      if (!sending) return;
      clients.forEach((c, i) => (sentSeqs[i] = c.sendWave(frameFor(i, sentSeqs[i]! + 1))));
    }, 5);

    // Kill while blocks are in flight, once plenty have been acknowledged.
    await Promise.all(clients.map((c) => c.waves.until(40)));
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    const ackedBeforeKill = clients.map((c) => c.waves.lastAck);
    expect(ackedBeforeKill.every((a) => a >= 40)).toBe(true);
    // Some blocks were sent but never acknowledged: they are what must be resent.
    expect(clients.some((c) => c.waves.pendingCount > 0)).toBe(true);

    gateway = await startGatewayProcess(args);
    await Promise.all(clients.map((c) => c.opened()));
    sending = false;
    clearInterval(pump);
    const lastSent = clients.map((c, i) => (sentSeqs[i] = c.sendWave(frameFor(i, sentSeqs[i]! + 1))));
    await Promise.all(clients.map((c, i) => c.waves.until(lastSent[i]!)));
    await Promise.all(clients.map((c) => c.close()));
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    const db = new BetterSqlite3(databasePath(dir.path), { readonly: true });
    const queries = new WaveQueries(db);
    for (let i = 0; i < DEVICES; i++) {
      const blocks = queries.deviceBlocks(`dev-${i}`);
      // Every block 1..lastSent exactly once, each with the samples sent under its seq.
      expect(blocks.map((b) => b.seq)).toEqual(Array.from({ length: lastSent[i]! }, (_, k) => k + 1));
      for (const b of blocks) expect(Array.from(b.samples)).toEqual(Array.from(frameFor(i, b.seq).samples));
    }
    db.close();
    // Nine processes start on a shared 2-core machine (the CLI calls and two gateways): room, not a threshold.
  }, 300_000);
});
