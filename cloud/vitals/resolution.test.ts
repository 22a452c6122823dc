import { describe, expect, it } from 'vitest';
import { chooseResolution, sourceFor } from './resolution.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('history resolution', () => {
  it('is raw up to 30 minutes, then the smallest bucket giving at most maxPoints', () => {
    expect(chooseResolution(30 * MIN)).toEqual({ kind: 'raw' });
    expect(chooseResolution(HOUR)).toEqual({ kind: 'bucket', seconds: 60, source: 'vitals_1m' });
    expect(chooseResolution(8 * HOUR)).toEqual({ kind: 'bucket', seconds: 120, source: 'vitals_1m' });
    expect(chooseResolution(24 * HOUR)).toEqual({ kind: 'bucket', seconds: 300, source: 'vitals_5m' });
    expect(chooseResolution(72 * HOUR)).toEqual({ kind: 'bucket', seconds: 900, source: 'vitals_5m' });
    expect(chooseResolution(30 * 24 * HOUR)).toEqual({ kind: 'bucket', seconds: 10800, source: 'vitals_1h' });
    expect(chooseResolution(3 * 365 * 24 * HOUR)).toEqual({ kind: 'bucket', seconds: 86400 * 7, source: 'vitals_1d' });
    expect(chooseResolution(24 * HOUR, 'auto', 720)).toEqual({ kind: 'bucket', seconds: 120, source: 'vitals_1m' });
  });

  it('honours an explicit request and reads the coarsest rollup that divides the bucket', () => {
    expect(chooseResolution(7 * 24 * HOUR, 'raw')).toEqual({ kind: 'raw' });
    expect(chooseResolution(HOUR, 300)).toEqual({ kind: 'bucket', seconds: 300, source: 'vitals_5m' });
    expect(sourceFor(600)).toBe('vitals_5m');
    expect(sourceFor(7200)).toBe('vitals_1h');
    expect(sourceFor(10800)).toBe('vitals_1h');
    expect(sourceFor(86400)).toBe('vitals_1d');
  });
});
