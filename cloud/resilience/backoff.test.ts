import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const exact = { baseMs: 100, capMs: 1_000, jitter: 0 };
  it('doubles per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, exact))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });
  it('full jitter stays within [0, step]', () => {
    const policy = { ...exact, jitter: 1 };
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(0);
  });
});
