import { describe, expect, it } from 'vitest';
import { DemoWaveSource } from './demo-wave-source.js';
import { DEMO_WAVE_SCALES } from './synthetic-waves.js';

/** R peaks: upward crossings of 0.6 mV (the R wave is ~1.1 mV; P and T stay below 0.45). */
function rPeaks(samples: Int16Array): number {
  const threshold = 0.6 / DEMO_WAVE_SCALES.ECG_II;
  let peaks = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < threshold && samples[i]! >= threshold) peaks++;
  return peaks;
}

/** Breaths: upward crossings of the middle of the resp wave's range. */
function breaths(samples: Int16Array): number {
  const mid = 0.4 / DEMO_WAVE_SCALES.RESP;
  let n = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < mid && samples[i]! >= mid) n++;
  return n;
}

function record(hr: number, rr: number, seconds: number) {
  const source = new DemoWaveSource(7, Date.UTC(2026, 11, 3));
  const ecg: number[] = [];
  const resp: number[] = [];
  for (let s = 0; s < seconds; s++) {
    const [e, , r] = source.next({ HR: hr, RR: rr, SPO2: 97 });
    ecg.push(...e!.samples);
    resp.push(...r!.samples);
  }
  return { ecg: Int16Array.from(ecg), resp: Int16Array.from(resp) };
}

describe('synthetic waves', () => {
  it('beats at the heart rate it follows, including a deteriorating bed’s tachycardia', () => {
    // 60 s: the count is the rate, within the beat-to-beat variability and the edges.
    expect(Math.abs(rPeaks(record(60, 15, 60).ecg) - 60)).toBeLessThanOrEqual(2);
    expect(Math.abs(rPeaks(record(140, 15, 60).ecg) - 140)).toBeLessThanOrEqual(3);
  });

  it('breathes at the respiratory rate it follows', () => {
    expect(Math.abs(breaths(record(70, 12, 60).resp) - 12)).toBeLessThanOrEqual(1);
    expect(Math.abs(breaths(record(70, 30, 60).resp) - 30)).toBeLessThanOrEqual(1);
  });

  it('sends one frame per wave per second, each continuing where the last ended', () => {
    const origin = Date.UTC(2026, 11, 3);
    const source = new DemoWaveSource(1, origin);
    const first = source.next({ HR: 70, RR: 15 });
    const second = source.next({ HR: 70, RR: 15 });
    expect(first.map((f) => [f.wave, f.sampleRate, f.samples.length, f.startTs])).toEqual([
      ['ECG_II', 250, 250, origin],
      ['PLETH', 125, 125, origin],
      ['RESP', 125, 125, origin],
    ]);
    expect(second.every((f) => f.startTs === origin + 1000)).toBe(true);
  });
});
