import { describe, expect, it } from 'vitest';
import { chartColumns } from './trend-data.js';

const point = (ts: number, v: number) => ({ ts, min: v, max: v, avg: v });

describe('trend chart columns', () => {
  it('puts a gap where data is missing, not a line across it', () => {
    const columns = chartColumns({ bucketMs: 6000, points: [point(0, 70), point(6000, 71), point(600_000, 90), point(606_000, 91)] });
    expect(columns.avg).toEqual([70, 71, null, 90, 91]);
    expect(columns.xs[2]).toBeCloseTo(303);
    expect(columns.segments).toBe(2);
  });

  it('keeps sparse but regular data joined, and handles one point and none', () => {
    expect(chartColumns({ bucketMs: 1000, points: [point(0, 1), point(30_000, 2), point(60_000, 3)] }).segments).toBe(1);
    expect(chartColumns({ bucketMs: 1000, points: [point(5000, 120)] })).toEqual({ xs: [5], avg: [120], min: [120], max: [120], segments: 1 });
    expect(chartColumns({ bucketMs: 1000, points: [] }).segments).toBe(0);
  });
});
