import type { Database, Statement } from 'better-sqlite3';
import type { Observation, StoreOutcome } from '../ingest/channel.js';
import { VITALS, type VitalCode } from '../protocol/vitals.js';

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
  /** Largest number of observations per transaction, so one commit never blocks sockets long. */
  readonly maxBatch?: number;
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

export const INSERT_OBSERVATION = `INSERT OR IGNORE INTO observations
  (device_id, seq, message_id, ts, received_at, bed_id, patient_id)
VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const INSERT_OBSERVATION_VALUE =
  'INSERT INTO observation_values (observation_id, vital, value) VALUES (?, ?, ?)';

interface Pending {
  readonly observation: Observation;
  readonly resolve: (outcome: StoreOutcome) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit for observations. Transports call `store` per frame; frames arriving in the same
 * turn of the event loop share one transaction (one fsync), which is what makes a durable
 * acknowledgement affordable at tens of thousands of vitals per second. Commits run from
 * `setImmediate`, never inside a socket callback, and are capped in size so socket reads
 * interleave with commits under load.
 */
export class ObservationWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly insertObservation: Statement;
  private readonly insertValue: Statement;
  private readonly maxBatch: number;
  private readonly now: () => number;
  private readonly commitBatch: (batch: readonly Pending[]) => { outcomes: StoreOutcome[]; committed: CommittedObservation[] };
  private drainWaiters: Array<() => void> = [];
  private lastCommitAt = -Infinity;
  private readonly minCommitIntervalMs: number;
  /** Count of frames committed since start (for status and benchmarks). */
  committedCount = 0;

  constructor(
    db: Database,
    private readonly options: ObservationWriterOptions,
  ) {
    this.insertObservation = db.prepare(INSERT_OBSERVATION);
    this.insertValue = db.prepare(INSERT_OBSERVATION_VALUE);
    this.maxBatch = options.maxBatch ?? 4000;
    this.now = options.now ?? Date.now;
    this.minCommitIntervalMs = options.minCommitIntervalMs ?? 5;
    this.commitBatch = db.transaction((batch: readonly Pending[]) => {
      const receivedAt = this.now();
      const outcomes: StoreOutcome[] = [];
      const committed: CommittedObservation[] = [];
      for (const { observation } of batch) {
        const { bedId, patientId } = this.options.place(observation.deviceId);
        const info = this.insertObservation.run(
          observation.deviceId,
          observation.seq,
          observation.messageId,
          observation.ts,
          receivedAt,
          bedId,
          patientId,
        );
        if (info.changes === 0) {
          outcomes.push('duplicate');
          continue;
        }
        const id = Number(info.lastInsertRowid);
        for (const code in observation.vitals) {
          this.insertValue.run(id, VITALS[code as VitalCode].id, observation.vitals[code as VitalCode]);
        }
        outcomes.push('stored');
        committed.push({ id, observation, bedId, patientId });
      }
      return { outcomes, committed };
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  store(observation: Observation): Promise<StoreOutcome> {
    if (this.closed) return Promise.reject(new Error('storage is closed'));
    return new Promise<StoreOutcome>((resolve, reject) => {
      this.queue.push({ observation, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.drained();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastCommitAt + this.minCommitIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
    if (batch.length > 0) {
      this.commit(batch);
      this.lastCommitAt = performance.now();
    }
    if (this.queue.length > 0) this.schedule();
    else this.notifyDrained();
  }

  private commit(batch: readonly Pending[]): void {
    let result: { outcomes: StoreOutcome[]; committed: CommittedObservation[] };
    try {
      result = this.commitBatch(batch);
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      for (const p of batch) p.reject(error);
      this.options.onError?.(error);
      return;
    }
    this.committedCount += result.committed.length;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(result.outcomes[i]!);
    if (result.committed.length > 0) this.options.onCommit?.(result.committed);
  }

  private notifyDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
