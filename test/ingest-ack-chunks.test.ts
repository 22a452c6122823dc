import { afterEach, describe, expect, it } from 'vitest';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { WebSocketChannel } from '../gateway/ingest/websocket-channel.js';
import type { DeviceDirectory, RegisteredDevice } from '../gateway/domain/device.js';
import type { IngestSink } from '../gateway/domain/ingest-sink.js';
import type { StoreOutcome } from '../gateway/domain/observation.js';
import { silentLogger } from '../gateway/log.js';
import { until } from './helpers/until.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('acks released by one commit', () => {
  it('go out in chunks, so the event loop reads sockets (and judges alarms) between them', async () => {
    const devices = 300;
    const device = (id: string): RegisteredDevice => ({ id, model: 'M', transport: 'websocket', bedId: null, patientMrn: null });
    const directory: DeviceDirectory = {
      findByKey: (key) => (key.startsWith('key-') ? device(`dev-${key.slice(4)}`) : undefined),
      findById: device,
    };
    // Storage holds every frame until the test commits them all at once, as one transaction does.
    const held: Array<(outcome: StoreOutcome) => void> = [];
    const sink: IngestSink = {
      store: () => new Promise<StoreOutcome>((resolve) => held.push(resolve)),
      connection: () => undefined,
      technical: () => undefined,
      rejected: () => undefined,
    };
    const channel = new WebSocketChannel({ host: '127.0.0.1', port: 0 }, { directory, sink, logger: silentLogger() });
    await channel.start();
    cleanups.push(() => channel.stop());
    const url = `ws://127.0.0.1:${channel.port}/devices`;
    const clients = Array.from({ length: devices }, (_, i) => new DeviceClient({ url, key: `key-${i}` }));
    await Promise.all(clients.map((c) => c.connect()));
    cleanups.push(() => Promise.all(clients.map((c) => c.close())).then(() => undefined));
    const seqs = clients.map((c) => c.send({ HR: 72 }, Date.now()));
    await until(() => held.length === devices);

    let ackedByTheLoopsSecondTurn = -1;
    setImmediate(() => setImmediate(() => (ackedByTheLoopsSecondTurn = channel.acksSent)));
    for (const commit of held) commit('stored');

    await Promise.all(clients.map((c, i) => c.acked(seqs[i]!)));
    await until(() => ackedByTheLoopsSecondTurn >= 0);
    expect(channel.acksSent).toBe(devices);
    // Written in one go, all 300 acks were out before the loop's next turn (before any socket was
    // read again); now at most one chunk is.
    expect(ackedByTheLoopsSecondTurn).toBeGreaterThan(0);
    expect(ackedByTheLoopsSecondTurn).toBeLessThan(devices);
  });
});
