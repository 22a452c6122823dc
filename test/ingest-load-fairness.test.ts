import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceClient } from '../gateway/demo/device-client.js';
import { countObservations } from '../gateway/storage/observation-queries.js';
import { EventLoopPressure, type LoadPressure } from '../gateway/ingest/event-loop-pressure.js';
import { startIngestRig } from './helpers/ingest-rig.js';
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
    const load = new LoadSwitch();
    const { db, channel, clients, seen } = await startIngestRig(
      // Counts never fade during this test: a paused flood stays paused while the loop is behind.
      { prefix: 'ward-load-share-', devices: ['flood', 'quiet'], channel: { recentFramesHalfLifeMs: 3600_000 }, load },
      cleanups,
    );
    const [flood, quiet] = clients as [DeviceClient, DeviceClient];

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
    const load = new LoadSwitch();
    const { db, clients } = await startIngestRig({ prefix: 'ward-load-turns-', devices: ['flood'], channel: { recentFramesHalfLifeMs: 5 }, load }, cleanups);
    const [flood] = clients as [DeviceClient];

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
