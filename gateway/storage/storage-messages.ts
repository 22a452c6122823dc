/**
 * What the storage threads are asked and what they answer. Every thread opens and closes the same
 * way; beyond that each role has its own requests, so a thread can only be asked what its entry
 * file (`<role>-worker.ts`) answers.
 */
import type { EngineSnapshot } from '../alarms/alarm-engine.js';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import type { StoredWaveStretch } from '../protocol/ui-channel.js';
import type { VitalCode } from '../protocol/vitals.js';
import type { WaveCode } from '../protocol/wave-frames.js';
import type { EncodedWaveBatch } from '../waves/wave-block-store.js';
import type { NextOptions, PreparedBatch, ReadAfter, SyncStream } from './batch-reader.js';
import type { SynchronousMode } from './database.js';
import type { EncodedBatch } from './observation-batch.js';
import type { RetentionOptions, RetentionPass } from './retention.js';
import type { TrendPoint } from './trend-queries.js';

/**
 * writer: commits observations, waves and alarm events (on one connection, so the event loop that
 * judges samples never waits for SQLite's write lock), and runs retention between commits.
 * checkpointer: runs WAL checkpoints. reader: answers the UI's long reads (trends), so a 72-hour
 * query never stalls the event loop that acknowledges frames. sync: prepares the cloud's batches
 * (read, JSON, gzip) and moves the sync cursors.
 */
export const STORAGE_ROLES = ['writer', 'checkpointer', 'reader', 'sync'] as const;
export type StorageRole = (typeof STORAGE_ROLES)[number];

/** Each role's entry file, in the sources (`gateway/storage/<role>-worker.ts`) and as built (`out/main/<role>-worker.js`). */
export function workerEntry(role: StorageRole): string {
  return `${role}-worker`;
}

export type OpenRequest = { readonly type: 'open'; readonly path: string; readonly synchronous: SynchronousMode };
export type CloseRequest = { readonly type: 'close' };

export type WriterRequest =
  | { readonly type: 'commit'; readonly batch: EncodedBatch }
  | { readonly type: 'commitWaves'; readonly batch: EncodedWaveBatch }
  | { readonly type: 'recordAlarms'; readonly events: readonly AlarmEvent[]; readonly snapshot: EngineSnapshot; readonly now: number }
  | { readonly type: 'retain'; readonly options: RetentionOptions; readonly now: number };
/** The checkpointer is only opened and closed: it works on its own timer. */
export type CheckpointerRequest = never;
export type ReaderRequest =
  | { readonly type: 'trend'; readonly patientId: number; readonly code: VitalCode; readonly from: number; readonly to: number; readonly maxPoints: number }
  | { readonly type: 'waves'; readonly patientId: number; readonly from: number; readonly to: number };
export type SyncRequest =
  | { readonly type: 'syncNext'; readonly limit: number; readonly after?: ReadAfter; readonly options?: NextOptions }
  | { readonly type: 'syncConfirm'; readonly stream: SyncStream; readonly lastId: number; readonly now: number };

export type StorageReply =
  | { readonly type: 'opened' }
  | { readonly type: 'committed'; readonly ids: number[] }
  | { readonly type: 'alarmsRecorded' }
  | { readonly type: 'failed'; readonly message: string; readonly code: string | null }
  | { readonly type: 'trend'; readonly bucketMs: number; readonly points: TrendPoint[] }
  | { readonly type: 'waves'; readonly waves: Partial<Record<WaveCode, StoredWaveStretch[]>> }
  | { readonly type: 'syncBatch'; readonly batch: PreparedBatch | null }
  | { readonly type: 'syncConfirmed' }
  | { readonly type: 'retained'; readonly pass: RetentionPass }
  | { readonly type: 'closed' };
