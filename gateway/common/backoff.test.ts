import { describe, expect, it } from 'vitest';
import { fullJitterDelay, retryAfterMs } from './backoff.js';

describe('backoff', () => {
  it('grows exponentially up to the cap, jittered over the whole range', () => {
    expect(fullJitterDelay(0, 1000, 60_000, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(fullJitterDelay(20, 1000, 60_000, () => 0.5)).toBe(30_000);
    expect(fullJitterDelay(5, 1000, 60_000, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or a date, bounded', () => {
    const now = Date.UTC(2026, 10, 24, 12);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs('999999', now)).toBe(15 * 60_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
