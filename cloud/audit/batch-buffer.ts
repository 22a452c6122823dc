export interface BatchBufferOptions {
  /** A first waiting entry is written at the latest this long after it came. */
  readonly flushMs: number;
  /** This many waiting entries are written at once, without waiting for the timer. */
  readonly maxBatch: number;
  /** Beyond this many waiting entries (the database is not taking them), new ones are dropped. */
  readonly maxBuffered: number;
}

export interface BatchBufferEvents {
  /** A batch could not be written; its entries wait for the next try, a second later. */
  failed(error: Error, entries: number): void;
  /** Entries were dropped (`total` so far): the buffer was full. */
  dropped(total: number): void;
}

/**
 * Entries written to the database in batches, one statement for all that waits, so that
 * recording one costs the request almost nothing. What a crash can lose: the entries of the last
 * `flushMs`. A failed write keeps its entries for the next try, within `maxBuffered`.
 */
export class BatchBuffer<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private droppedTotal = 0;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly options: BatchBufferOptions,
    private readonly events: BatchBufferEvents,
  ) {}

  add(entry: T): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.drop(1);
      return;
    }
    this.buffer.push(entry);
    if (this.buffer.length >= this.options.maxBatch) void this.flush();
    else this.flushIn(this.options.flushMs);
  }

  /** Writes everything waiting now (and waits for a write under way). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.buffer.length);
    this.flushing = this.writeOrKeep(batch).finally(() => (this.flushing = null));
    await this.flushing;
  }

  private async writeOrKeep(batch: T[]): Promise<void> {
    try {
      await this.write(batch);
    } catch (error) {
      this.events.failed(error as Error, batch.length);
      const kept = batch.slice(0, Math.max(0, this.options.maxBuffered - this.buffer.length));
      this.buffer.unshift(...kept);
      if (kept.length < batch.length) this.drop(batch.length - kept.length);
      this.flushIn(1000);
    }
  }

  private flushIn(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), ms);
    this.timer.unref();
  }

  private drop(count: number): void {
    this.droppedTotal += count;
    this.events.dropped(this.droppedTotal);
  }
}
