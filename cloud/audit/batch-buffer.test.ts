import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchBuffer } from './batch-buffer.js';

describe('the batch buffer behind the audit log and the security events', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function buffer(options = { flushMs: 50, maxBatch: 3, maxBuffered: 5 }) {
    const written: number[][] = [];
    const events = { failed: [] as number[], dropped: [] as number[] };
    let failing = false;
    const b = new BatchBuffer<number>(
      async (batch) => {
        if (failing) throw new Error('database down');
        written.push(batch);
      },
      options,
      { failed: (_error, entries) => events.failed.push(entries), dropped: (total) => events.dropped.push(total) },
    );
    return { b, written, events, fail: (on: boolean) => (failing = on) };
  }

  it('writes what waits in one batch once the timer runs out, or at once when a batch is full', async () => {
    const { b, written } = buffer();
    b.add(1);
    b.add(2);
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(written).toEqual([[1, 2]]);
    b.add(3);
    b.add(4);
    b.add(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('keeps a failed batch for the next try a second later, within its bound, and counts what it had to drop', async () => {
    const { b, written, events, fail } = buffer({ flushMs: 50, maxBatch: 100, maxBuffered: 5 });
    fail(true);
    for (const n of [1, 2, 3, 4]) b.add(n);
    await b.flush();
    expect(events.failed).toEqual([4]);
    b.add(5);
    b.add(6); // the sixth waiting entry: over the bound
    expect(events.dropped).toEqual([1]);
    fail(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('flush() waits for a write under way, then writes what came meanwhile', async () => {
    const { b, written } = buffer({ flushMs: 50, maxBatch: 100, maxBuffered: 100 });
    b.add(1);
    const first = b.flush();
    b.add(2);
    await Promise.all([first, b.flush()]);
    expect(written).toEqual([[1], [2]]);
  });
});
