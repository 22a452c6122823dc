import type { Placement } from '../storage/observation-writer.js';
import type { EncodedWaveBatch } from './wave-block-store.js';
import type { WaveBlock, WaveSink } from './wave-sink.js';

/** Something that commits wave batches one at a time, in order (the storage writer thread). */
export interface WaveBatchExecutor {
  commitWaves(batch: EncodedWaveBatch): Promise<{ readonly ids: readonly number[] }>;
}

export interface WaveWriterOptions {
  /** Where a device's data goes now (its bed and the patient admitted there). */
  readonly place: (deviceId: string) => Placement;
  /** Largest number of blocks per transaction (a block is about a second of one wave). */
  readonly maxBatch?: number;
  /**
   * Least time between two wave commits. Waves arrive steadily from every bed; a few ms of
   * waiting lets one fsync cover the blocks of many beds instead of one each.
   */
  readonly minCommitIntervalMs?: number;
  readonly now?: () => number;
  /** Called when a commit failed; the affected `store` promises reject. */
  readonly onError?: (error: Error) => void;
  /** Called after each commit with the number of blocks newly stored. */
  readonly onCommit?: (stored: number) => void;
}

interface Pending {
  readonly block: WaveBlock;
  readonly resolve: (outcome: 'stored' | 'duplicate') => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit for wave blocks, on the same writer thread as the vitals (one thread owns every
 * write, in order). Blocks queued while a commit is under way share the next transaction. The
 * thread commits batches in the order it got them, so when a block of a connection is committed,
 * every earlier block of that connection is too: what makes the cumulative `wave_ack` honest.
 *
 * Memory: each device connection stops being read at 64 frames awaiting commit (its numeric and
 * wave frames together), so at most 64 blocks (≤ 128 KiB) per connection wait here.
 */
export class WaveWriter implements WaveSink {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private closed = false;
  private lastCommitAt = -Infinity;
  private drainWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly minCommitIntervalMs: number;
  private readonly now: () => number;
  /** Blocks committed since start (duplicates excluded), for status and benchmarks. */
  committedCount = 0;

  constructor(
    private readonly executor: WaveBatchExecutor,
    private readonly options: WaveWriterOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 2000;
    this.minCommitIntervalMs = options.minCommitIntervalMs ?? 5;
    this.now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.queue.length;
  }

  store(block: WaveBlock): Promise<'stored' | 'duplicate'> {
    if (this.closed) return Promise.reject(new Error('wave storage is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ block, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Commits what is queued and refuses more; the executor belongs to the observation writer. */
  async close(): Promise<void> {
    await this.drained();
    this.closed = true;
  }

  /** One batch at a time: the next one collects everything that arrives during a commit. */
  private schedule(): void {
    if (this.scheduled || this.inFlight > 0 || this.queue.length === 0) return;
    this.scheduled = true;
    const wait = this.lastCommitAt + this.minCommitIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return this.notifyDrained();
    const batch = this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.slice(batch.length);
    this.inFlight++;
    this.executor.commitWaves(this.encode(batch)).then(
      ({ ids }) => {
        let stored = 0;
        for (let i = 0; i < batch.length; i++) {
          if (ids[i] === 0) batch[i]!.resolve('duplicate');
          else {
            stored++;
            batch[i]!.resolve('stored');
          }
        }
        this.committedCount += stored;
        this.afterCommit();
        this.options.onCommit?.(stored);
      },
      (error: Error) => {
        for (const p of batch) p.reject(error);
        this.afterCommit();
        this.options.onError?.(error);
      },
    );
  }

  private encode(batch: readonly Pending[]): EncodedWaveBatch {
    const encoded: EncodedWaveBatch = {
      receivedAt: this.now(),
      deviceIds: [],
      seqs: [],
      waves: [],
      startTs: [],
      sampleRates: [],
      scales: [],
      offsets: [],
      bedIds: [],
      patientIds: [],
      samples: [],
    };
    for (const { block } of batch) {
      const placement = this.options.place(block.deviceId);
      const f = block.frame;
      encoded.deviceIds.push(block.deviceId);
      encoded.seqs.push(f.seq);
      encoded.waves.push(f.wave);
      encoded.startTs.push(f.startTs);
      encoded.sampleRates.push(f.sampleRate);
      encoded.scales.push(f.scale);
      encoded.offsets.push(f.offset);
      encoded.bedIds.push(placement.bedId);
      encoded.patientIds.push(placement.patientId);
      encoded.samples.push(f.samples);
    }
    return encoded;
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
