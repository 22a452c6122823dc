import { describe, expect, it } from 'vitest';
import { WaveRing } from './wave-ring.js';

const update = (startTs: number, samples: number[]) => ({ bedId: 'B1', wave: 'ECG_II' as const, startTs, sampleRate: 250, scale: 0.01, offset: 0, samples });

describe('wave ring', () => {
  it('finds the extremes of the samples in a time range, in physical units', () => {
    const ring = new WaveRing();
    ring.add(update(1000, [0, 10, 50, -20, 5]));
    expect(ring.range(1000, 1012)).toEqual({ min: 0, max: expect.closeTo(0.5, 5) });
    expect(ring.range(1012, 1020)?.min).toBeCloseTo(-0.2, 5);
  });

  it('shows no sample and time between frames as gaps, never as a line', () => {
    const ring = new WaveRing();
    ring.add(update(1000, [1, -32768, -32768, 1]));
    ring.add(update(2000, [3, 3]));
    expect(ring.range(1004, 1012)).toBeNull();
    expect(ring.range(1100, 1900)).toBeNull();
    expect(ring.range(1990, 2004)?.max).toBeCloseTo(0.03, 5);
  });

  it('keeps only the last seconds and ignores a frame it already has', () => {
    const ring = new WaveRing();
    for (let s = 0; s < 40; s++) ring.add(update(s * 1000, Array.from({ length: 250 }, () => s)));
    ring.add(update(39_000, Array.from({ length: 250 }, () => 99)));
    expect(ring.range(0, 1000)).toBeNull();
    expect(ring.range(39_000, 40_000)?.max).toBeCloseTo(0.39, 5);
    expect(ring.latestEnd()).toBe(40_000);
  });
});
