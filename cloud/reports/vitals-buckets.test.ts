import { describe, expect, it } from 'vitest';
import { chartAxis, displayBucketMs, foldBuckets, limitExposure } from './vitals-buckets.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const bucket = (t: number, min: number, max: number, mean: number, count = 60) => ({ t, min, max, sum: mean * count, count });

describe('vitals buckets', () => {
  it('scales the axis to an hour of data instead of the whole day', () => {
    const day = Date.parse('2026-03-04T00:00:00Z');
    expect(chartAxis(day, day + 24 * HOUR, [day + 9 * HOUR + 10 * MIN, day + 10 * HOUR + 5 * MIN])).toEqual({ from: day + 9 * HOUR, to: day + 11 * HOUR, whole: false });
    expect(chartAxis(day, day + 24 * HOUR, [day + HOUR, day + 23 * HOUR])).toEqual({ from: day, to: day + 24 * HOUR, whole: true });
  });

  it('draws the finest bucket that keeps a chart readable', () => {
    expect(displayBucketMs(HOUR, MIN)).toBe(MIN);
    expect(displayBucketMs(24 * HOUR, MIN)).toBe(5 * MIN);
    expect(displayBucketMs(7 * 24 * HOUR, HOUR)).toBe(HOUR);
  });

  it('keeps a dip when folding: min of mins, max of maxes, the weighted mean', () => {
    const folded = foldBuckets([bucket(0, 95, 98, 96), bucket(MIN, 82, 97, 90, 20), bucket(5 * MIN, 96, 97, 96)], 0, 5 * MIN);
    expect(folded).toEqual([
      { t: 0, min: 82, max: 98, mean: (96 * 60 + 90 * 20) / 80 },
      { t: 5 * MIN, min: 96, max: 97, mean: 96 },
    ]);
  });

  it('counts time below and above limits by the bucket mean, over the monitored time only', () => {
    const buckets = [bucket(0, 85, 92, 88), bucket(MIN, 86, 95, 89.9), bucket(2 * MIN, 89, 99, 94), bucket(10 * MIN, 120, 130, 125)];
    expect(limitExposure(buckets, MIN, { low: 90, high: 120 })).toEqual({ belowMs: 2 * MIN, aboveMs: MIN, bucketsBelow: 2, bucketsAbove: 1, buckets: 4, monitoredMs: 4 * MIN });
  });

  it('holds a value measured every five minutes until the next measurement, not across a gap', () => {
    const temps = [0, 5, 10, 15, 60].map((m, i) => bucket(m * MIN, 0, 0, i >= 2 ? 38.7 : 37, 1));
    expect(limitExposure(temps, MIN, { low: 35.5, high: 38.5 })).toMatchObject({ aboveMs: 5 * MIN + MIN + MIN, monitoredMs: 15 * MIN + MIN + MIN, bucketsAbove: 3 });
  });
});
