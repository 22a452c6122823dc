import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { openDatabase } from '../gateway/storage/database.js';
import { DeviceRegistry } from '../gateway/storage/device-registry.js';
import { countObservations } from '../gateway/storage/observation-queries.js';
import { ObservationWriter } from '../gateway/storage/observation-writer.js';
import type { EncodedBatch, BatchResult } from '../gateway/storage/observation-batch.js';
import type { BatchExecutor } from '../gateway/storage/storage-thread.js';
import { WriterThread } from '../gateway/storage/storage-threads.js';
import { WebSocketChannel } from '../gateway/ingest/websocket-channel.js';
import type { IngestSink } from '../gateway/domain/ingest-sink.js';
import { silentLogger } from '../gateway/log.js';
import { tempDir } from './helpers/station-fixture.js';
import { until } from './helpers/until.js';

/** The real writer thread behind a valve: commits wait until the test opens it (a stalled disk). */
class StalledExecutor implements BatchExecutor {
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  waiting = 0;

  constructor(private readonly inner: BatchExecutor) {}

  async commit(batch: EncodedBatch): Promise<BatchResult> {
    this.waiting++;
    await this.opened;
    return this.inner.commit(batch);
  }

  release(): void {
    this.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Limits {
  /** Storage's guard over all connections (observations waiting for a transaction). */
  readonly highWater: number;
  /** Frames a connection may have awaiting commit before it stops reading. */
  readonly maxInFlight: number;
}

/**
 * Devices send far more than the limits while the writer is stalled: every device must end up
 * paused, the frames waiting in memory must stay within the limits (plus what one socket read
 * already held), and once the writer moves again everything must be stored once and acknowledged.
 */
async function stalledWriterScenario(limits: Limits): Promise<void> {
  const dir = tempDir('ward-backpressure-');
  cleanups.push(() => dir.remove());
  const path = join(dir.path, 'station.db');
  const db = openDatabase(path);
  cleanups.push(() => void db.close());
  const registry = new DeviceRegistry(db);
  const devices = 6;
  const framesEach = 2000;
  const keys = Array.from({ length: devices }, (_, i) => registry.register({ id: `mon-${i}`, model: 'M', transport: 'websocket' }, 'test').key!);

  const thread = new WriterThread(path, 'FULL');
  await thread.open();
  const executor = new StalledExecutor(thread);
  const writer = new ObservationWriter(executor, { place: () => ({ bedId: null, patientId: null }), maxBatch: 200, highWater: limits.highWater });
  cleanups.push(() => writer.close());
  let peakWaiting = 0;
  const sink: IngestSink = {
    store(observation) {
      const stored = writer.store(observation);
      peakWaiting = Math.max(peakWaiting, writer.pending);
      return stored;
    },
    connection: () => undefined,
    technical: () => undefined,
    rejected: () => undefined,
  };
  // No rate limit here: only storage's back-pressure may stop the reading.
  const channel = new WebSocketChannel(
    { host: '127.0.0.1', port: 0, maxFramesPerSecond: 1e9, burstFrames: 1e9, maxInFlight: limits.maxInFlight },
    { directory: registry, sink, logger: silentLogger(), storage: writer },
  );
  await channel.start();
  cleanups.push(() => channel.stop());
  const clients = keys.map((key) => new DeviceClient({ url: `ws://127.0.0.1:${channel.port}/devices`, key }));
  await Promise.all(clients.map((c) => c.connect()));
  cleanups.push(() => Promise.all(clients.map((c) => c.close())).then(() => undefined));

  const ts = Date.now();
  const lastSeqs = clients.map((c) => {
    let seq = 0;
    for (let i = 0; i < framesEach; i++) seq = c.send({ HR: 72, PR: 71, SPO2: 97, RR: 16, TEMP: 36.9, ETCO2: 38 }, ts);
    return seq;
  });

  // Storage falls behind: every device stops being read.
  await until(() => channel.pausedDeviceIds.length === devices);
  const pausedAt = writer.pending;
  // What may still arrive after the pause is what one socket read already holds, per device.
  const frameBytes = JSON.stringify({ type: 'obs', seq: 9999, ts, vitals: { HR: 72, PR: 71, SPO2: 97, RR: 16, TEMP: 36.9, ETCO2: 38 } }).length + 6;
  const bound = Math.min(limits.highWater, devices * limits.maxInFlight) + devices * Math.ceil((64 * 1024) / frameBytes);
  expect(bound).toBeLessThan(devices * framesEach);
  expect(pausedAt).toBeLessThanOrEqual(bound);
  // Nothing is acknowledged or stored while the writer is stalled; batches in the executor are bounded too.
  expect(clients.every((c) => c.lastAck === -1)).toBe(true);
  expect(executor.waiting).toBeLessThanOrEqual(2);
  expect(countObservations(db).observations).toBe(0);

  // The disk comes back: the devices are read again and everything is stored once and acknowledged.
  executor.release();
  await Promise.all(clients.map((c, i) => c.acked(lastSeqs[i]!)));
  expect(countObservations(db).observations).toBe(devices * framesEach);
  expect(peakWaiting).toBeLessThanOrEqual(bound);
  expect(writer.backlogged).toBe(false);
  expect(channel.pausedDeviceIds).toEqual([]);
}

/**
 * One monitor floods while the writer is stalled; another sends one frame at a time, as bedside
 * monitors do. Storage's back-pressure must stop the flood, not the quiet monitor: its frames are
 * still read, so their alarms are judged while the disk is behind.
 */
async function quietMonitorBesideAFlood(): Promise<void> {
  const dir = tempDir('ward-backpressure-share-');
  cleanups.push(() => dir.remove());
  const path = join(dir.path, 'station.db');
  const db = openDatabase(path);
  cleanups.push(() => void db.close());
  const registry = new DeviceRegistry(db);
  const floodKey = registry.register({ id: 'flood', model: 'M', transport: 'websocket' }, 'test').key!;
  const quietKey = registry.register({ id: 'quiet', model: 'M', transport: 'websocket' }, 'test').key!;

  const thread = new WriterThread(path, 'FULL');
  await thread.open();
  const executor = new StalledExecutor(thread);
  const writer = new ObservationWriter(executor, { place: () => ({ bedId: null, patientId: null }), maxBatch: 50, highWater: 200 });
  cleanups.push(() => writer.close());
  cleanups.push(() => executor.release());
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
  const channel = new WebSocketChannel(
    { host: '127.0.0.1', port: 0, maxFramesPerSecond: 1e9, burstFrames: 1e9, maxInFlight: 1e9 },
    { directory: registry, sink, logger: silentLogger(), storage: writer },
  );
  await channel.start();
  cleanups.push(() => channel.stop());
  const url = `ws://127.0.0.1:${channel.port}/devices`;
  const flood = new DeviceClient({ url, key: floodKey });
  const quiet = new DeviceClient({ url, key: quietKey });
  await Promise.all([flood.connect(), quiet.connect()]);
  cleanups.push(() => Promise.all([flood.close(), quiet.close()]).then(() => undefined));

  const ts = Date.now();
  const firstQuiet = quiet.send({ HR: 72 }, ts);
  await until(() => seen.some((s) => s.deviceId === 'quiet' && s.seq === firstQuiet));
  let lastFlood = 0;
  for (let i = 0; i < 5000; i++) lastFlood = flood.send({ HR: 72, PR: 71, SPO2: 97, RR: 16, TEMP: 36.9, ETCO2: 38 }, ts);
  await until(() => writer.backlogged && channel.pausedDeviceIds.includes('flood'));
  expect(channel.pausedDeviceIds).toEqual(['flood']);

  // The disk is still stalled: the quiet monitor's next frames are read and judged all the same.
  for (let i = 0; i < 3; i++) {
    const seq = quiet.send({ HR: 170 }, ts + i + 1);
    await until(() => seen.some((s) => s.deviceId === 'quiet' && s.seq === seq));
    expect(channel.pausedDeviceIds).toEqual(['flood']);
  }
  expect(countObservations(db).observations).toBe(0);

  executor.release();
  await flood.acked(lastFlood);
  expect(countObservations(db).observations).toBe(5000 + 4);
  expect(channel.pausedDeviceIds).toEqual([]);
}

describe('ingest under a stalled writer', () => {
  it("storage's guard stops the device flooding it, not a monitor sending at an ordinary pace", async () => {
    await quietMonitorBesideAFlood();
  });

  it('each connection stops reading at its own limit of frames awaiting commit', async () => {
    await stalledWriterScenario({ highWater: 1e9, maxInFlight: 64 });
  });

  it("storage's guard stops every connection when the frames waiting in all of them reach its limit", async () => {
    await stalledWriterScenario({ highWater: 500, maxInFlight: 1e9 });
  });
});
