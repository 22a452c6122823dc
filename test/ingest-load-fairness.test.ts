import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { openDatabase } from '../gateway/storage/database.js';
import { DeviceRegistry } from '../gateway/storage/device-registry.js';
import { countObservations } from '../gateway/storage/observation-queries.js';
import { ObservationWriter } from '../gateway/storage/observation-writer.js';
import { WriterThread } from '../gateway/storage/storage-threads.js';
import { WebSocketChannel } from '../gateway/ingest/websocket-channel.js';
import { EventLoopPressure, type LoadPressure } from '../gateway/ingest/event-loop-pressure.js';
import type { IngestSink } from '../gateway/domain/ingest-sink.js';
import { silentLogger } from '../gateway/log.js';
import { tempDir } from './helpers/station-fixture.js';
import { until } from './helpers/until.js';


/** The event loop's load as the test decides it (the real measurement is tested below). */
class LoadSwitch implements LoadPressure {
  overloaded = false;
  private readonly listeners = new Set<(overloaded: boolean) => void>();
  onPressure(listener: (overloaded: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(overloaded: boolean): void {
    this.overloaded = overloaded;
    for (const l of this.listeners) l(overloaded);
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('event loop overloaded by devices', () => {
  it('stops reading the device sending more than its share, not a monitor at an ordinary pace', async () => {
    const dir = tempDir('ward-load-share-');
    cleanups.push(() => dir.remove());
    const path = join(dir.path, 'station.db');
    const db = openDatabase(path);
    cleanups.push(() => void db.close());
    const registry = new DeviceRegistry(db);
    const floodKey = registry.register({ id: 'flood', model: 'M', transport: 'websocket' }, 'test').key!;
    const quietKey = registry.register({ id: 'quiet', model: 'M', transport: 'websocket' }, 'test').key!;
    const thread = new WriterThread(path, 'FULL');
    await thread.open();
    const writer = new ObservationWriter(thread, { place: () => ({ bedId: null, patientId: null }) });
    cleanups.push(() => writer.close());
    const seen: Array<{ deviceId: string; seq: number | null }> = [];
    const sink: IngestSink = {
      store(observation) {
        seen.push({ deviceId: observation.deviceId, seq: observation.seq });
        return writer.store(observation);
      },
      connection: () => undefined,
      technical: () => undefined,
      rejected: () => undefined,
    };
    const load = new LoadSwitch();
    const channel = new WebSocketChannel(
      // Counts never fade during this test: a paused flood stays paused while the loop is behind.
      { host: '127.0.0.1', port: 0, maxFramesPerSecond: 1e9, burstFrames: 1e9, maxInFlight: 1e9, recentFramesHalfLifeMs: 3600_000 },
      { directory: registry, sink, logger: silentLogger(), storage: writer, load },
    );
    await channel.start();
    cleanups.push(() => channel.stop());
    const url = `ws://127.0.0.1:${channel.port}/devices`;
    const flood = new DeviceClient({ url, key: floodKey });
    const quiet = new DeviceClient({ url, key: quietKey });
    await Promise.all([flood.connect(), quiet.connect()]);
    cleanups.push(() => Promise.all([flood.close(), quiet.close()]).then(() => undefined));

    load.set(true);
    const ts = Date.now();
    let lastFlood = 0;
    for (let i = 0; i < 3000; i++) lastFlood = flood.send({ HR: 72, PR: 71, SPO2: 97, RR: 16, TEMP: 36.9, ETCO2: 38 }, ts);
    await until(() => channel.pausedDeviceIds.includes('flood'));
    const floodRead = seen.filter((s) => s.deviceId === 'flood').length;
    expect(floodRead).toBeLessThan(3000);

    // Still overloaded: the quiet monitor's frames are read, one after the other, and acknowledged.
    for (let i = 0; i < 3; i++) {
      const seq = quiet.send({ HR: 170 }, ts + i + 1);
      await quiet.acked(seq);
      expect(channel.pausedDeviceIds).toEqual(['flood']);
    }
    expect(seen.filter((s) => s.deviceId === 'flood').length).toBe(floodRead);

    // The loop catches up: the flood is read again, and every frame is stored once and acknowledged.
    load.set(false);
    await flood.acked(lastFlood);
    expect(countObservations(db).observations).toBe(3000 + 3);
    expect(channel.pausedDeviceIds).toEqual([]);
  });
});

describe('event loop behind for good', () => {
  it('lets a paused device take its turn once its recent frames fade: it is slowed, never starved', async () => {
    const dir = tempDir('ward-load-turns-');
    cleanups.push(() => dir.remove());
    const path = join(dir.path, 'station.db');
    const db = openDatabase(path);
    cleanups.push(() => void db.close());
    const registry = new DeviceRegistry(db);
    const floodKey = registry.register({ id: 'flood', model: 'M', transport: 'websocket' }, 'test').key!;
    const thread = new WriterThread(path, 'FULL');
    await thread.open();
    const writer = new ObservationWriter(thread, { place: () => ({ bedId: null, patientId: null }) });
    cleanups.push(() => writer.close());
    const load = new LoadSwitch();
    const sink: IngestSink = {
      store: (observation) => writer.store(observation),
      connection: () => undefined,
      technical: () => undefined,
      rejected: () => undefined,
    };
    const channel = new WebSocketChannel(
      { host: '127.0.0.1', port: 0, maxFramesPerSecond: 1e9, burstFrames: 1e9, maxInFlight: 1e9, recentFramesHalfLifeMs: 5 },
      { directory: registry, sink, logger: silentLogger(), storage: writer, load },
    );
    await channel.start();
    cleanups.push(() => channel.stop());
    const flood = new DeviceClient({ url: `ws://127.0.0.1:${channel.port}/devices`, key: floodKey });
    await flood.connect();
    cleanups.push(() => flood.close());

    load.set(true);
    let last = 0;
    for (let i = 0; i < 500; i++) last = flood.send({ HR: 72 }, Date.now());
    // The loop never catches up here (the test above shows such a device paused), yet every frame is
    // read in turns, stored once and acknowledged.
    await flood.acked(last);
    expect(countObservations(db).observations).toBe(500);
    expect(load.overloaded).toBe(true);
  });
});

describe('EventLoopPressure', () => {
  it('reports a loop held busy, and its end once ticks are on time again', async () => {
    const pressure = new EventLoopPressure({ intervalMs: 5, overloadedLagMs: 40, calmLagMs: 10_000, calmTicks: 3 });
    const changes: boolean[] = [];
    const overloaded = new Promise<void>((resolve) =>
      pressure.onPressure((value) => {
        changes.push(value);
        if (value) resolve();
      }),
    );
    pressure.start();
    cleanups.push(() => pressure.stop());
    expect(pressure.overloaded).toBe(false);
    // Hold the loop well past the threshold, as a burst of socket reads would.
    const until200 = performance.now() + 200;
    while (performance.now() < until200) {
      /* busy */
    }
    await overloaded;
    expect(pressure.overloaded).toBe(true);
    await until(() => !pressure.overloaded);
    expect(changes).toEqual([true, false]);
  });
});
