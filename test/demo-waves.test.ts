import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { databasePath, type Station } from '../gateway/station.js';
import { WaveQueries } from '../gateway/waves/wave-queries.js';
import { DEMO_WAVE_SCALES } from '../gateway/demo/synthetic-waves.js';
import { VITALS } from '../gateway/protocol/vitals.js';
import { startTestStation } from './helpers/station-fixture.js';

/** Polls a condition on the database (no fixed wait): the demo sends once a second. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('demo ward waves', () => {
  let station: Station;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ station, stop } = await startTestStation({ demo: true, demoBeds: 3 }));
  });
  afterAll(async () => stop());

  it('streams ECG, pleth and resp over the device protocol, the ECG beating at the monitor’s heart rate', async () => {
    const reader = new BetterSqlite3(databasePath(station.config.dataDir), { readonly: true });
    const queries = new WaveQueries(reader);
    const deviceId = 'demo-monitor-03';
    await until(() => queries.deviceBlocks(deviceId).filter((b) => b.wave === 'ECG_II').length >= 8);
    const blocks = queries.deviceBlocks(deviceId);
    expect(new Set(blocks.map((b) => b.wave))).toEqual(new Set(['ECG_II', 'PLETH', 'RESP']));
    const ecg = blocks.filter((b) => b.wave === 'ECG_II').slice(0, 8);
    // Consecutive seconds, no gap between frames.
    ecg.slice(1).forEach((b, i) => expect(b.startTs).toBe(ecg[i]!.startTs + 1000));
    const threshold = 0.6 / DEMO_WAVE_SCALES.ECG_II;
    const samples = ecg.flatMap((b) => Array.from(b.samples));
    let peaks = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < threshold && samples[i]! >= threshold) peaks++;
    const hrs = reader.prepare("SELECT v.value FROM observations o JOIN observation_values v ON v.observation_id = o.id WHERE o.device_id = ? AND v.vital = ? ORDER BY o.seq LIMIT 8").all(deviceId, VITALS.HR.id) as Array<{ value: number }>;
    expect(hrs.length).toBeGreaterThan(0);
    const meanHr = hrs.reduce((a, r) => a + r.value, 0) / hrs.length;
    // 8 s of ECG hold about HR × 8 / 60 beats (± the edges and the rate's drift).
    expect(Math.abs(peaks - (meanHr * 8) / 60)).toBeLessThanOrEqual(2.5);
    expect(station.state.snapshot().devices.find((d) => d.id === deviceId)?.rejectedFrames).toBe(0);
    reader.close();
  });
});
