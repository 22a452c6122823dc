import { describe, expect, it } from 'vitest';
import { continuesWithinOneSample } from './wave-continuity.js';

describe('continuesWithinOneSample', () => {
  // 250 Hz: one sample every 4 ms; a run of 250 samples from t=1000 ends before t=2000.
  it("joins a block that starts where the run's next sample falls, give or take one period", () => {
    expect(continuesWithinOneSample(1000, 250, 250, 2000)).toBe(true);
    expect(continuesWithinOneSample(1000, 250, 250, 2004)).toBe(true);
    expect(continuesWithinOneSample(1000, 250, 250, 1996)).toBe(true);
  });

  it('keeps a gap or an overlap of more than one period apart', () => {
    expect(continuesWithinOneSample(1000, 250, 250, 2005)).toBe(false);
    expect(continuesWithinOneSample(1000, 250, 250, 1995)).toBe(false);
    expect(continuesWithinOneSample(1000, 250, 250, 3000)).toBe(false);
  });

  it("measures the period at the run's own rate", () => {
    // 25 Hz resp: 40 ms a sample; 25 samples from t=0 end at 1000.
    expect(continuesWithinOneSample(0, 25, 25, 1040)).toBe(true);
    expect(continuesWithinOneSample(0, 25, 25, 1041)).toBe(false);
  });
});
