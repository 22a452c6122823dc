import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceClient } from '../gateway/demo/device-client.js';
import { countObservations } from '../gateway/storage/observation-queries.js';
import type { EncodedBatch, BatchResult } from '../gateway/storage/observation-batch.js';
import type { BatchExecutor } from '../gateway/storage/storage-thread.js';
import { startIngestRig } from './helpers/ingest-rig.js';
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
  const devices = 6;
  const framesEach = 2000;
  let executor!: StalledExecutor;
  // No rate limit here: only storage's back-pressure may stop the reading.
  const rig = await startIngestRig(
    {
      prefix: 'ward-backpressure-',
      devices: Array.from({ length: devices }, (_, i) => `mon-${i}`),
      executor: (thread) => (executor = new StalledExecutor(thread)),
      writer: { maxBatch: 200, highWater: limits.highWater },
      channel: { maxInFlight: limits.maxInFlight },
    },
    cleanups,
  );
  cleanups.push(() => executor.release());
  const { db, writer, channel, clients } = rig;

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
  expect(rig.peakPending).toBeLessThanOrEqual(bound);
  expect(writer.backlogged).toBe(false);
  expect(channel.pausedDeviceIds).toEqual([]);
}

/**
 * One monitor floods while the writer is stalled; another sends one frame at a time, as bedside
 * monitors do. Storage's back-pressure must stop the flood, not the quiet monitor: its frames are
 * still read, so their alarms are judged while the disk is behind.
 */
async function quietMonitorBesideAFlood(): Promise<void> {
  let executor!: StalledExecutor;
  const { db, writer, channel, clients, seen } = await startIngestRig(
    { prefix: 'ward-backpressure-share-', devices: ['flood', 'quiet'], executor: (thread) => (executor = new StalledExecutor(thread)), writer: { maxBatch: 50, highWater: 200 } },
    cleanups,
  );
  cleanups.push(() => executor.release());
  const [flood, quiet] = clients as [DeviceClient, DeviceClient];

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
