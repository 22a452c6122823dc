import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPollLoop } from './poll-loop.js';

/** A work function whose calls a test can await one by one. */
function countedWork(during: (call: number) => void = () => {}) {
  let calls = 0;
  let reached: Array<{ n: number; resolve: () => void }> = [];
  return {
    calls: () => calls,
    work: async () => {
      calls++;
      during(calls);
      for (const r of reached.filter((w) => w.n <= calls)) r.resolve();
      reached = reached.filter((w) => w.n > calls);
      return false;
    },
    /** Resolves once `work` has been called `n` times. */
    called: (n: number) => new Promise<void>((resolve) => (calls >= n ? resolve() : reached.push({ n, resolve }))),
  };
}

describe('the poll loop shared by the background workers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs again at once when woken while idle, without waiting for the poll interval', async () => {
    const counted = countedWork();
    const loop = startPollLoop(counted.work, 3_600_000, (error) => expect.fail(error.message));
    await counted.called(1);
    loop.wake();
    await counted.called(2);
    await loop.stop();
    expect(counted.calls()).toBe(2);
  });

  it('keeps a wake-up that arrives while the work runs: a job queued after the look is not left for the next poll', async () => {
    vi.useFakeTimers();
    let loop: ReturnType<typeof startPollLoop> | null = null;
    // The first round "finds nothing", but a job is queued (and the wake-up sent) before it ends.
    const counted = countedWork((call) => call === 1 && queueMicrotask(() => loop!.wake()));
    loop = startPollLoop(counted.work, 3_600_000, (error) => expect.fail(error.message));
    await counted.called(1);
    // No time passes: only a kept wake-up can start the second round.
    await vi.advanceTimersByTimeAsync(0);
    expect(counted.calls()).toBe(2);
    await loop.stop();
  });

  it('reports an error and carries on after the poll interval', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    let calls = 0;
    const loop = startPollLoop(
      async () => {
        if (++calls === 1) throw new Error('database restarting');
        return false;
      },
      1000,
      (error) => errors.push(error.message),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['database restarting']);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    await loop.stop();
  });

  it('runs back to back while the work says there is more, and stop() waits for the round under way', async () => {
    let calls = 0;
    let finishRound: () => void = () => {};
    const loop = startPollLoop(
      async () => {
        calls++;
        if (calls < 3) return true;
        await new Promise<void>((resolve) => (finishRound = resolve));
        return false;
      },
      3_600_000,
      () => {},
    );
    await vi.waitUntil(() => calls === 3);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finishRound();
    await stopping;
    expect(calls).toBe(3);
  });
});
