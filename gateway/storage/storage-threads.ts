/**
 * The four storage threads, each with its own connection and only its own requests: the writer
 * commits vitals and alarm events, the checkpointer keeps the WAL short, the reader computes
 * trends, the sync thread reads and compresses batches for the cloud.
 */
import type { EngineSnapshot } from '../alarms/alarm-engine.js';
import type { AlarmRecorder } from '../alarms/alarm-service.js';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import type { VitalCode } from '../protocol/vitals.js';
import type { NextOptions, PreparedBatch, ReadAfter, SyncStream } from './batch-reader.js';
import type { SynchronousMode } from './database.js';
import type { BatchResult, EncodedBatch } from './observation-batch.js';
import { StorageThread, type BatchExecutor } from './storage-thread.js';
import type { ReaderRequest, SyncRequest, WriterRequest } from './storage-messages.js';
import type { TrendPoint } from './trend-queries.js';
import type { StoredWaveStretch } from '../protocol/ui-channel.js';
import type { WaveCode } from '../protocol/wave-frames.js';
import type { EncodedWaveBatch } from '../waves/wave-block-store.js';
import type { WaveBatchExecutor } from '../waves/wave-writer.js';
import type { RetentionOptions, RetentionPass } from './retention.js';

/** The only connection that writes vitals, waves and alarm events, so commits never stall the event loop. */
export class WriterThread extends StorageThread<WriterRequest> implements BatchExecutor, AlarmRecorder, WaveBatchExecutor {
  constructor(path: string, synchronous: SynchronousMode) {
    super(path, synchronous, 'writer');
  }

  async commit(batch: EncodedBatch): Promise<BatchResult> {
    return { ids: (await this.call({ type: 'commit', batch }, 'committed')).ids };
  }

  /** Commits full-disclosure wave blocks (compressed here, on the writer thread). */
  async commitWaves(batch: EncodedWaveBatch): Promise<BatchResult> {
    return { ids: (await this.call({ type: 'commitWaves', batch }, 'committed')).ids };
  }

  /** One retention pass (vitals, alarm events, waves) on this thread, between commits. */
  async retain(options: RetentionOptions, now: number): Promise<RetentionPass> {
    return (await this.call({ type: 'retain', options, now }, 'retained')).pass;
  }

  /** Persists alarm events with the engine state. */
  async record(events: readonly AlarmEvent[], snapshot: EngineSnapshot, now: number): Promise<void> {
    await this.call({ type: 'recordAlarms', events, snapshot, now }, 'alarmsRecorded');
  }
}

/** Runs PASSIVE WAL checkpoints every second beside the writer, which never checkpoints itself. */
export class CheckpointerThread extends StorageThread<never> {
  constructor(path: string, synchronous: SynchronousMode) {
    super(path, synchronous, 'checkpointer');
  }
}

/** Downsampled trends, computed off the event loop. */
export class ReaderThread extends StorageThread<ReaderRequest> {
  constructor(path: string, synchronous: SynchronousMode) {
    super(path, synchronous, 'reader');
  }

  async trend(patientId: number, code: VitalCode, from: number, to: number, maxPoints: number): Promise<{ bucketMs: number; points: TrendPoint[] }> {
    const { bucketMs, points } = await this.call({ type: 'trend', patientId, code, from, to, maxPoints }, 'trend');
    return { bucketMs, points };
  }

  /** Full disclosure: a patient's stored waves over [from, to), off the event loop. */
  async waves(patientId: number, from: number, to: number): Promise<Partial<Record<WaveCode, StoredWaveStretch[]>>> {
    return (await this.call({ type: 'waves', patientId, from, to }, 'waves')).waves;
  }
}

/** Reads, serializes and compresses the cloud's batches, and moves the sync cursors. */
export class SyncThread extends StorageThread<SyncRequest> {
  constructor(path: string, synchronous: SynchronousMode) {
    super(path, synchronous, 'sync');
  }

  async next(limit: number, after?: ReadAfter, options?: NextOptions): Promise<PreparedBatch | null> {
    return (await this.call({ type: 'syncNext', limit, after, options }, 'syncBatch')).batch;
  }

  /** Moves a sync cursor (after the cloud confirmed a batch). */
  async confirm(stream: SyncStream, lastId: number, now: number): Promise<void> {
    await this.call({ type: 'syncConfirm', stream, lastId, now }, 'syncConfirmed');
  }
}
