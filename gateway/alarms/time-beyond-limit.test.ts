import { describe, expect, it } from 'vitest';
import { TimeBeyondLimit } from './time-beyond-limit.js';

describe('time beyond a limit in a trailing window', () => {
  it('holds each reading until the next one, and counts only the window', () => {
    const t = new TimeBeyondLimit();
    t.record(0, true);
    t.record(4000, false);
    t.record(6000, true);
    expect(t.within(10_000, 15_000)).toBe(4000 + 4000);
    // Later, the first 4 s have left a 5 s window.
    expect(t.within(10_000, 5000)).toBe(4000);
    expect(t.within(30_000, 15_000)).toBe(15_000);
  });

  it('stays bounded when the value crosses the limit at every reading', () => {
    const t = new TimeBeyondLimit();
    for (let i = 0; i < 100_000; i++) t.record(i, i % 2 === 0);
    expect(t.within(100_000, 100)).toBe(50);
    expect(t.within(100_000, 1_000_000)).toBeLessThanOrEqual(512);
  });
});
