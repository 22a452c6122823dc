import type { Observation, StoreOutcome } from '../domain/observation.js';
import type { StoragePressure } from '../domain/ingest-sink.js';
import { VITALS, type VitalCode } from '../protocol/vitals.js';
import type { EncodedBatch } from './observation-batch.js';
import type { BatchExecutor } from './storage-thread.js';

export { INSERT_OBSERVATION, INSERT_OBSERVATION_VALUE } from './observation-batch.js';

/** An observation as committed, with the bed and patient it was filed under at that moment. */
export interface CommittedObservation {
  readonly id: number;
  readonly observation: Observation;
  readonly bedId: string | null;
  readonly patientId: number | null;
}

export interface Placement {
  readonly bedId: string | null;
  readonly patientId: number | null;
}


export interface ObservationWriterOptions {
  /** Where a device's data goes now (its bed and the patient admitted there). */
  readonly place: (deviceId: string) => Placement;
  /**
   * Largest number of observations per transaction. At the disk's pace a batch this size commits
   * in tens of milliseconds: large enough to share an fsync, small enough that an ack waits for
   * little more than its own commit.
   */
  readonly maxBatch?: number;
  /**
   * Observations waiting for a transaction at which storage reports it is backlogged (the
   * transports stop reading), and at which it reports it has caught up again. A guard over all
   * connections: each WebSocket connection also stops reading at its own small limit, which
   * spreads the pauses over time instead of stopping and waking every device at once.
   */
  readonly highWater?: number;
  readonly lowWater?: number;
  /**
   * Batches handed to the executor before the previous one committed. Two keep the writer thread
   * busy while the event loop answers the last commit and encodes the next batch.
   */
  readonly maxBatchesInFlight?: number;
  /**
   * Least time between two commits. Each commit costs an fsync; under load, waiting a few
   * milliseconds lets one fsync cover thousands of frames. Idle, a frame commits at once.
   */
  readonly minCommitIntervalMs?: number;
  readonly now?: () => number;
  /** Called after each commit with what was newly stored (duplicates excluded). */
  readonly onCommit?: (committed: readonly CommittedObservation[]) => void;
  /** Called when a commit failed; the affected `store` promises reject. */
  readonly onError?: (error: Error) => void;
}

interface Pending {
  readonly observation: Observation;
  readonly resolve: (outcome: StoreOutcome) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit for observations. Transports call `store` per frame; frames that arrive while a
 * commit is under way share the next transaction (one fsync), which makes a durable
 * acknowledgement affordable at tens of thousands of vitals per second. The executor commits
 * batches one at a time in the order it got them, so batches commit in arrival order: when frame
 * N of a device is committed, every earlier frame of that connection is too (what makes a
 * cumulative ack honest).
 *
 * Memory is bounded: past `highWater` waiting observations storage reports back-pressure and
 * the transports stop reading until the queue is down to `lowWater`. At most
 * `maxBatchesInFlight` batches wait in the executor.
 */
export class ObservationWriter implements StoragePressure {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private closed = false;
  private isBacklogged = false;
  private readonly pressureListeners = new Set<(backlogged: boolean) => void>();
  readonly highWater: number;
  private readonly lowWater: number;
  private readonly maxBatchesInFlight: number;
  private lastCommitAt = -Infinity;
  private drainWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly minCommitIntervalMs: number;
  private readonly now: () => number;
  /** Frames committed since start (for status and benchmarks). */
  committedCount = 0;

  constructor(
    private readonly executor: BatchExecutor,
    private readonly options: ObservationWriterOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 4000;
    this.highWater = options.highWater ?? 10 * this.maxBatch;
    this.lowWater = options.lowWater ?? Math.floor(this.highWater / 2);
    this.maxBatchesInFlight = options.maxBatchesInFlight ?? 2;
    this.minCommitIntervalMs = options.minCommitIntervalMs ?? 2;
    this.now = options.now ?? Date.now;
  }

  /** Observations waiting for a transaction (not yet handed to the writer thread). */
  get pending(): number {
    return this.queue.length;
  }

  get backlogged(): boolean {
    return this.isBacklogged;
  }

  onPressure(listener: (backlogged: boolean) => void): () => void {
    this.pressureListeners.add(listener);
    return () => this.pressureListeners.delete(listener);
  }

  store(observation: Observation): Promise<StoreOutcome> {
    if (this.closed) return Promise.reject(new Error('storage is closed'));
    return new Promise<StoreOutcome>((resolve, reject) => {
      this.queue.push({ observation, resolve, reject });
      if (!this.isBacklogged && this.queue.length >= this.highWater) this.setBacklogged(true);
      this.schedule();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.drained();
    this.closed = true;
    await this.executor.close();
  }

  /**
   * A batch goes to the executor when none is in flight, or, while one commits, as soon as a
   * quarter of a full batch is waiting: under load the next transaction is ready the moment the
   * current one ends, and idle frames still commit one by one at once.
   */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    if (this.inFlight >= this.maxBatchesInFlight) return;
    if (this.inFlight > 0 && this.queue.length < this.maxBatch / 4) return;
    this.scheduled = true;
    const wait = this.inFlight > 0 ? 0 : this.lastCommitAt + this.minCommitIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return this.notifyDrained();
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
    if (this.isBacklogged && this.queue.length <= this.lowWater) this.setBacklogged(false);
    this.inFlight++;
    const placements = batch.map((p) => this.options.place(p.observation.deviceId));
    this.executor.commit(this.encode(batch, placements)).then(
      ({ ids }) => this.committed(batch, placements, ids),
      (error: Error) => this.failed(batch, error),
    );
  }

  private encode(batch: readonly Pending[], placements: readonly Placement[]): EncodedBatch {
    const encoded: EncodedBatch = {
      receivedAt: this.now(),
      deviceIds: [],
      seqs: [],
      messageIds: [],
      ts: [],
      bedIds: [],
      patientIds: [],
      valueCounts: [],
      vitalIds: [],
      values: [],
    };
    for (let i = 0; i < batch.length; i++) {
      const o = batch[i]!.observation;
      encoded.deviceIds.push(o.deviceId);
      encoded.seqs.push(o.seq);
      encoded.messageIds.push(o.messageId);
      encoded.ts.push(o.ts);
      encoded.bedIds.push(placements[i]!.bedId);
      encoded.patientIds.push(placements[i]!.patientId);
      let count = 0;
      for (const code in o.vitals) {
        encoded.vitalIds.push(VITALS[code as VitalCode].id);
        encoded.values.push(o.vitals[code as VitalCode]!);
        count++;
      }
      encoded.valueCounts.push(count);
    }
    return encoded;
  }

  private committed(batch: readonly Pending[], placements: readonly Placement[], ids: readonly number[]): void {
    const committed: CommittedObservation[] = [];
    for (let i = 0; i < batch.length; i++) {
      const id = ids[i]!;
      if (id === 0) {
        batch[i]!.resolve('duplicate');
      } else {
        batch[i]!.resolve('stored');
        committed.push({ id, observation: batch[i]!.observation, bedId: placements[i]!.bedId, patientId: placements[i]!.patientId });
      }
    }
    this.committedCount += committed.length;
    this.afterCommit();
    if (committed.length > 0) this.options.onCommit?.(committed);
  }

  private failed(batch: readonly Pending[], error: Error): void {
    for (const p of batch) p.reject(error);
    this.afterCommit();
    this.options.onError?.(error);
  }

  private afterCommit(): void {
    this.inFlight--;
    this.lastCommitAt = performance.now();
    if (this.queue.length > 0) this.schedule();
    else this.notifyDrained();
  }

  private setBacklogged(backlogged: boolean): void {
    this.isBacklogged = backlogged;
    for (const listener of this.pressureListeners) listener(backlogged);
  }

  private notifyDrained(): void {
    if (this.inFlight > 0 || this.queue.length > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
