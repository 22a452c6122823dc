import type { Observation, StoreOutcome } from '../domain/observation.js';
import type { StoragePressure } from '../domain/ingest-sink.js';
import { VITALS, type VitalCode } from '../protocol/vitals.js';
import type { EncodedBatch } from './observation-batch.js';
import type { BatchExecutor } from './storage-thread.js';
import { GroupCommitQueue } from './group-commit.js';

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

/** One transaction's observations, encoded for the writer thread, with where each was filed. */
interface PlacedBatch {
  readonly encoded: EncodedBatch;
  readonly placements: readonly Placement[];
}

/**
 * Group commit for observations (GroupCommitQueue). Transports call `store` per frame; frames that
 * arrive while a commit is under way share the next transaction (one fsync), which makes a durable
 * acknowledgement affordable at tens of thousands of vitals per second. When frame N of a device
 * is committed, every earlier frame of that connection is too (what makes a cumulative ack honest).
 *
 * Memory is bounded: past `highWater` waiting observations storage reports back-pressure and
 * the transports stop reading until the queue is down to `lowWater`. At most
 * `maxBatchesInFlight` batches wait in the executor.
 */
export class ObservationWriter implements StoragePressure {
  private readonly queue: GroupCommitQueue<Observation, PlacedBatch>;
  private isBacklogged = false;
  private readonly pressureListeners = new Set<(backlogged: boolean) => void>();
  readonly highWater: number;
  private readonly lowWater: number;
  private readonly now: () => number;
  /** Frames committed since start (for status and benchmarks). */
  committedCount = 0;

  constructor(
    private readonly executor: BatchExecutor,
    private readonly options: ObservationWriterOptions,
  ) {
    const maxBatch = options.maxBatch ?? 4000;
    this.highWater = options.highWater ?? 10 * maxBatch;
    this.lowWater = options.lowWater ?? Math.floor(this.highWater / 2);
    this.now = options.now ?? Date.now;
    this.queue = new GroupCommitQueue({
      maxBatch,
      maxBatchesInFlight: options.maxBatchesInFlight ?? 2,
      minCommitIntervalMs: options.minCommitIntervalMs ?? 2,
      closedMessage: 'storage is closed',
      encode: (observations) => {
        const placements = observations.map((o) => this.options.place(o.deviceId));
        return { encoded: this.encode(observations, placements), placements };
      },
      commit: (batch) => this.executor.commit(batch.encoded),
      dequeued: () => {
        if (this.isBacklogged && this.queue.pending <= this.lowWater) this.setBacklogged(false);
      },
      committed: (observations, { placements }, ids) => this.committed(observations, placements, ids),
      failed: (error) => this.options.onError?.(error),
    });
  }

  /** Observations waiting for a transaction (not yet handed to the writer thread). */
  get pending(): number {
    return this.queue.pending;
  }

  get backlogged(): boolean {
    return this.isBacklogged;
  }

  onPressure(listener: (backlogged: boolean) => void): () => void {
    this.pressureListeners.add(listener);
    return () => this.pressureListeners.delete(listener);
  }

  store(observation: Observation): Promise<StoreOutcome> {
    const stored = this.queue.store(observation);
    if (!this.isBacklogged && this.queue.pending >= this.highWater) this.setBacklogged(true);
    return stored;
  }

  /** Resolves when everything queued so far is committed (or failed). */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.executor.close();
  }

  private encode(batch: readonly Observation[], placements: readonly Placement[]): EncodedBatch {
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
      const o = batch[i]!;
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

  private committed(observations: readonly Observation[], placements: readonly Placement[], ids: readonly number[]): void {
    const committed: CommittedObservation[] = [];
    for (let i = 0; i < observations.length; i++) {
      if (ids[i] !== 0) committed.push({ id: ids[i]!, observation: observations[i]!, bedId: placements[i]!.bedId, patientId: placements[i]!.patientId });
    }
    this.committedCount += committed.length;
    if (committed.length > 0) this.options.onCommit?.(committed);
  }

  private setBacklogged(backlogged: boolean): void {
    this.isBacklogged = backlogged;
    for (const listener of this.pressureListeners) listener(backlogged);
  }
}
