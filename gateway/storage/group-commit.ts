export type CommitOutcome = 'stored' | 'duplicate';

export interface GroupCommitOptions<T, B> {
  /** Largest number of items per transaction. */
  readonly maxBatch: number;
  /** Least time between two commits: under load, one fsync then covers many items. */
  readonly minCommitIntervalMs: number;
  /** Batches handed to `commit` before the previous one committed. */
  readonly maxBatchesInFlight: number;
  /** What `store` answers once closed. */
  readonly closedMessage: string;
  /** Turns the items of one transaction into what `commit` takes. */
  encode(items: readonly T[]): B;
  /** Commits one batch; `ids[i]` is 0 where item i was a duplicate. Batches commit in the order given. */
  commit(batch: B): Promise<{ readonly ids: readonly number[] }>;
  /** After items left the queue for a transaction (back-pressure looks at `pending` here). */
  dequeued?(): void;
  /** After each commit, once every item's promise is settled. */
  committed?(items: readonly T[], batch: B, ids: readonly number[]): void;
  /** When a commit failed; its items' promises reject with the error. */
  failed?(error: Error): void;
}

interface Pending<T> {
  readonly item: T;
  readonly resolve: (outcome: CommitOutcome) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit: items stored while a commit is under way share the next transaction (one fsync),
 * which makes a durable acknowledgement affordable at tens of thousands of items per second. A
 * batch goes to `commit` when none is in flight, or, while one commits, as soon as a quarter of a
 * full batch is waiting: under load the next transaction is ready the moment the current one ends,
 * and idle items still commit one by one at once. Batches commit in arrival order, so when item N
 * of a connection is committed every earlier item of that connection is too (what makes a
 * cumulative ack honest). Used by the observation writer and the wave writer.
 */
export class GroupCommitQueue<T, B> {
  private queue: Pending<T>[] = [];
  private scheduled = false;
  private inFlight = 0;
  private closed = false;
  private lastCommitAt = -Infinity;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly options: GroupCommitOptions<T, B>) {}

  /** Items waiting for a transaction (not yet handed to `commit`). */
  get pending(): number {
    return this.queue.length;
  }

  store(item: T): Promise<CommitOutcome> {
    if (this.closed) return Promise.reject(new Error(this.options.closedMessage));
    return new Promise<CommitOutcome>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Commits what is queued, then refuses more. */
  async close(): Promise<void> {
    await this.drained();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    if (this.inFlight >= this.options.maxBatchesInFlight) return;
    if (this.inFlight > 0 && this.queue.length < this.options.maxBatch / 4) return;
    this.scheduled = true;
    const wait = this.inFlight > 0 ? 0 : this.lastCommitAt + this.options.minCommitIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return this.notifyDrained();
    const { maxBatch } = this.options;
    const batch = this.queue.length <= maxBatch ? this.queue : this.queue.slice(0, maxBatch);
    this.queue = this.queue.length <= maxBatch ? [] : this.queue.slice(maxBatch);
    this.options.dequeued?.();
    this.inFlight++;
    const items = batch.map((p) => p.item);
    const encoded = this.options.encode(items);
    this.options.commit(encoded).then(
      ({ ids }) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(ids[i] === 0 ? 'duplicate' : 'stored');
        this.afterCommit();
        this.options.committed?.(items, encoded, ids);
      },
      (error: Error) => {
        for (const p of batch) p.reject(error);
        this.afterCommit();
        this.options.failed?.(error);
      },
    );
  }

  private afterCommit(): void {
    this.inFlight--;
    this.lastCommitAt = performance.now();
    if (this.queue.length > 0) this.schedule();
    else this.notifyDrained();
  }

  private notifyDrained(): void {
    if (this.inFlight > 0 || this.queue.length > 0) return;
    for (const w of this.drainWaiters.splice(0)) w();
  }
}
