import { describe, expect, it } from 'vitest';
import { PermanentError, retry, TimeoutError, withTimeout } from './retry.js';

describe('retry', () => {
  const policy = { baseMs: 10, capMs: 100, jitter: 0 };
  it('retries with backoff until success', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(async () => {
      if (++calls < 3) throw new Error('transient');
      return calls;
    }, { attempts: 5, backoff: policy, sleep: async (ms) => void waits.push(ms) });
    expect(result).toBe(3);
    expect(waits).toEqual([10, 20]);
  });
  it('gives up after the cap and never retries a permanent error', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error('x'); }, { attempts: 3, backoff: policy, sleep: async () => {} })).rejects.toThrow('x');
    expect(calls).toBe(3);
    calls = 0;
    await expect(retry(async () => { calls++; throw new PermanentError('no'); }, { attempts: 3, backoff: policy, sleep: async () => {} })).rejects.toThrow('no');
    expect(calls).toBe(1);
  });
  it('withTimeout aborts a call that does not answer', async () => {
    const hung = withTimeout(20, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))));
    await expect(hung).rejects.toBeInstanceOf(TimeoutError);
    await expect(withTimeout(1_000, async () => 'fast')).resolves.toBe('fast');
  });
});
