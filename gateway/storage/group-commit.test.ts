import { describe, expect, it } from 'vitest';
import { GroupCommitQueue } from './group-commit.js';

/** A commit that waits until the test lets it finish, so batches can be seen forming. */
function heldCommits() {
  const batches: Array<{ items: number[]; finish(ids: number[] | Error): void }> = [];
  const waiters: Array<() => void> = [];
  return {
    batches,
    commit: (items: number[]) =>
      new Promise<{ ids: number[] }>((resolve, reject) => {
        batches.push({ items, finish: (ids) => (ids instanceof Error ? reject(ids) : resolve({ ids })) });
        waiters.splice(0).forEach((w) => w());
      }),
    /** Resolves once `n` batches were handed to commit. */
    handed: (n: number) => new Promise<void>((resolve) => {
      const look = () => (batches.length >= n ? resolve() : waiters.push(look));
      look();
    }),
  };
}

describe('GroupCommitQueue', () => {
  it('commits what arrives during a commit as one next batch, in order, and tells duplicates', async () => {
    const held = heldCommits();
    const committed: number[][] = [];
    const queue = new GroupCommitQueue<number, number[]>({
      ...{ maxBatch: 100, minCommitIntervalMs: 0, maxBatchesInFlight: 1, closedMessage: 'closed' },
      encode: (items) => [...items],
      commit: held.commit,
      committed: (items) => committed.push([...items]),
    });
    const first = queue.store(1);
    await held.handed(1);
    const later = [queue.store(2), queue.store(3), queue.store(4)];
    expect(queue.pending).toBe(3);
    held.batches[0]!.finish([11]);
    expect(await first).toBe('stored');
    await held.handed(2);
    expect(held.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    held.batches[1]!.finish([12, 0, 14]);
    expect(await Promise.all(later)).toEqual(['stored', 'duplicate', 'stored']);
    expect(committed).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects the items of a failed commit, keeps going, and refuses items once closed', async () => {
    const held = heldCommits();
    const failures: string[] = [];
    const queue = new GroupCommitQueue<number, number[]>({
      ...{ maxBatch: 2, minCommitIntervalMs: 0, maxBatchesInFlight: 1, closedMessage: 'storage is closed' },
      encode: (items) => [...items],
      commit: held.commit,
      failed: (error) => failures.push(error.message),
    });
    const failing = queue.store(1);
    await held.handed(1);
    held.batches[0]!.finish(new Error('SQLITE_FULL'));
    await expect(failing).rejects.toThrow('SQLITE_FULL');
    expect(failures).toEqual(['SQLITE_FULL']);
    const next = queue.store(2);
    const closing = queue.close();
    await held.handed(2);
    held.batches[1]!.finish([2]);
    expect(await next).toBe('stored');
    await closing;
    await expect(queue.store(3)).rejects.toThrow('storage is closed');
  });
});
