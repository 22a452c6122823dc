/**
 * The observation writer thread. It owns the only connection that writes vitals, so commits and
 * fsyncs never stall the gateway's event loop: acknowledgements, alarms and the UI keep moving
 * while the disk works.
 *
 * The same file also runs as the checkpointer thread. A WAL checkpoint copies the log into the
 * database file and fsyncs it (tens to hundreds of ms); done inside a commit it would hold every
 * acknowledgement that long, so the writer never checkpoints by itself and a second connection
 * runs PASSIVE checkpoints, which do not block the writer, every second.
 */
import { statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { openDatabase, type SynchronousMode } from './database.js';
import { batchCommitter, type EncodedBatch } from './observation-batch.js';
import { TrendQueries, type TrendPoint } from './trend-queries.js';
import { BatchReader, type PreparedBatch, type ReadAfter, type SyncStream } from './batch-reader.js';
import type { VitalCode } from '../protocol/vitals.js';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import { AlarmLog } from '../alarms/alarm-log.js';
import type { EngineSnapshot } from '../alarms/alarm-engine.js';
import { waveBatchCommitter, type EncodedWaveBatch } from '../waves/wave-block-store.js';
import { WaveRetention } from '../waves/wave-retention.js';
import { RetentionJob, storageUse, type RetentionOptions, type RetentionPass } from './retention.js';
import { silentLogger } from '../log.js';

export type StorageRequest =
  | { readonly type: 'open'; readonly path: string; readonly synchronous: SynchronousMode; readonly role: StorageRole }
  | { readonly type: 'trend'; readonly patientId: number; readonly code: VitalCode; readonly from: number; readonly to: number; readonly maxPoints: number }
  | { readonly type: 'commit'; readonly batch: EncodedBatch }
  | { readonly type: 'commitWaves'; readonly batch: EncodedWaveBatch }
  | { readonly type: 'recordAlarms'; readonly events: readonly AlarmEvent[]; readonly snapshot: EngineSnapshot; readonly now: number }
  | { readonly type: 'syncNext'; readonly limit: number; readonly after?: ReadAfter }
  | { readonly type: 'syncConfirm'; readonly stream: SyncStream; readonly lastId: number; readonly now: number }
  | { readonly type: 'retain'; readonly options: RetentionOptions; readonly now: number }
  | { readonly type: 'close' };

export type StorageReply =
  | { readonly type: 'opened' }
  | { readonly type: 'committed'; readonly ids: number[] }
  | { readonly type: 'alarmsRecorded' }
  | { readonly type: 'failed'; readonly message: string; readonly code: string | null }
  | { readonly type: 'trend'; readonly bucketMs: number; readonly points: TrendPoint[] }
  | { readonly type: 'syncBatch'; readonly batch: PreparedBatch | null }
  | { readonly type: 'syncConfirmed' }
  | { readonly type: 'retained'; readonly pass: RetentionPass }
  | { readonly type: 'closed' };

/**
 * writer: commits observations, and alarm events (on the same connection, so the event loop that
 * judges samples never waits for SQLite's write lock while vitals commit). checkpointer: runs WAL checkpoints. reader: answers the UI's
 * long reads (trends), so a 72-hour query never stalls the event loop that acknowledges frames.
 * sync: prepares the cloud's batches (read, JSON, gzip) and moves the sync cursor.
 */
export type StorageRole = 'writer' | 'checkpointer' | 'reader' | 'sync';

/** Safety net: if the checkpointer is not keeping up (or died), the writer checkpoints itself. */
const WAL_LIMIT_BYTES = 256 * 1024 * 1024;
const CHECKPOINT_INTERVAL_MS = 1000;

let db: Database | null = null;
let commit: ((batch: EncodedBatch) => { ids: number[] }) | null = null;
let alarmLog: AlarmLog | null = null;
let commitWaves: ((batch: EncodedWaveBatch) => { ids: number[] }) | null = null;
let timer: NodeJS.Timeout | null = null;
let trends: TrendQueries | null = null;
let batches: BatchReader | null = null;
let commitsSinceWalCheck = 0;
let retention: { vitals: RetentionJob; waves: WaveRetention } | null = null;
let retentionNow = 0;
const port = parentPort!;

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

function commitAndGuardWal(batch: EncodedBatch): { ids: number[] } {
  const result = commit!(batch);
  if (++commitsSinceWalCheck >= 50) {
    commitsSinceWalCheck = 0;
    if (walBytes(db!.name) > WAL_LIMIT_BYTES) db!.pragma('wal_checkpoint(PASSIVE)');
  }
  return result;
}

port.on('message', (request: StorageRequest) => {
  try {
    switch (request.type) {
      case 'open':
        db = openDatabase(request.path, { synchronous: request.synchronous });
        db.pragma('wal_autocheckpoint = 0');
        if (request.role === 'writer') {
          commit = batchCommitter(db);
          alarmLog = new AlarmLog(db);
          commitWaves = waveBatchCommitter(db);
        } else if (request.role === 'reader') {
          trends = new TrendQueries(db);
        } else if (request.role === 'sync') {
          batches = new BatchReader(db);
        } else {
          const connection = db;
          timer = setInterval(() => connection.pragma('wal_checkpoint(PASSIVE)'), CHECKPOINT_INTERVAL_MS);
        }
        port.postMessage({ type: 'opened' } satisfies StorageReply);
        return;
      case 'commit':
        port.postMessage({ type: 'committed', ids: commitAndGuardWal(request.batch).ids } satisfies StorageReply);
        return;
      case 'commitWaves':
        port.postMessage({ type: 'committed', ids: commitWaves!(request.batch).ids } satisfies StorageReply);
        return;
      case 'recordAlarms':
        alarmLog!.record(request.events, request.snapshot, request.now);
        port.postMessage({ type: 'alarmsRecorded' } satisfies StorageReply);
        return;
      case 'trend': {
        const result = trends!.series(request.patientId, request.code, request.from, request.to, request.maxPoints);
        port.postMessage({ type: 'trend', ...result } satisfies StorageReply);
        return;
      }
      case 'syncNext':
        port.postMessage({ type: 'syncBatch', batch: batches!.next(request.limit, request.after) } satisfies StorageReply);
        return;
      case 'syncConfirm':
        batches!.confirm(request.lastId, request.now, request.stream);
        port.postMessage({ type: 'syncConfirmed' } satisfies StorageReply);
        return;
      case 'retain': {
        // On the writer's own connection: the deletes take turns with the vitals commits instead
        // of waiting for the write lock on the event loop that acknowledges frames.
        retentionNow = request.now;
        retention ??= {
          vitals: new RetentionJob(db!, request.options, silentLogger(), () => retentionNow),
          waves: new WaveRetention(db!, request.options, () => storageUse(db!, request.options.diskBudgetMb), silentLogger(), () => retentionNow),
        };
        const deleted = retention.vitals.run();
        const wavesDeleted = retention.waves.run();
        port.postMessage({ type: 'retained', pass: { deleted, wavesDeleted, use: storageUse(db!, request.options.diskBudgetMb) } } satisfies StorageReply);
        return;
      }
      case 'close':
        if (timer) clearInterval(timer);
        // A last full checkpoint leaves a compact database file behind on a clean stop.
        if (commit) db?.pragma('wal_checkpoint(PASSIVE)');
        db?.close();
        db = null;
        port.postMessage({ type: 'closed' } satisfies StorageReply);
        port.close();
        return;
    }
  } catch (error) {
    const e = error as { message?: string; code?: string };
    port.postMessage({ type: 'failed', message: e.message ?? String(error), code: e.code ?? null } satisfies StorageReply);
  }
});
