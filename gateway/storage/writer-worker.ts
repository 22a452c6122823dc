/**
 * The writer thread. It owns the only connection that writes vitals, waves and alarm events, so
 * commits and fsyncs never stall the gateway's event loop: acknowledgements, alarms and the UI keep
 * moving while the disk works. It never checkpoints by itself (a checkpoint inside a commit would
 * hold every acknowledgement for its fsync); the checkpointer thread does, beside it.
 */
import { statSync } from 'node:fs';
import { AlarmLog } from '../alarms/alarm-log.js';
import { silentLogger } from '../log.js';
import { waveBatchCommitter } from '../waves/wave-block-store.js';
import { CompactedSeqs, WaveCompaction } from '../waves/wave-compaction.js';
import { WaveRetention } from '../waves/wave-retention.js';
import { batchCommitter, type EncodedBatch } from './observation-batch.js';
import { RetentionJob, storageUse } from './retention.js';
import type { WriterRequest } from './storage-messages.js';
import { serveStorageRole } from './storage-worker-loop.js';

/** Safety net: if the checkpointer is not keeping up (or died), the writer checkpoints itself. */
const WAL_LIMIT_BYTES = 256 * 1024 * 1024;

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/** How often the writer looks for waves old enough to merge into segments. */
const COMPACTION_INTERVAL_MS = 15_000;
/** Compaction steps (a segment merged, or frames planned) before the writer turns back to its messages: about a millisecond each. */
const COMPACTION_STEPS_PER_TURN = 4;

serveStorageRole<WriterRequest>((db) => {
  const commit = batchCommitter(db);
  const compactedSeqs = new CompactedSeqs(db);
  const commitWaves = waveBatchCommitter(db, compactedSeqs);
  // Full disclosure in minute segments, merged a few segments at a time between the commits
  // (setImmediate lets waiting messages in first), never holding an acknowledgement for long.
  const compaction = new WaveCompaction(db, compactedSeqs);
  let compacting = false;
  let closed = false;
  // This thread has no logger: failures are counted and reported with the next retention pass,
  // whose reply the main thread logs.
  let compactionFailures = 0;
  let lastCompactionError: string | null = null;
  const compactSome = () => {
    if (closed) return;
    try {
      const { done } = compaction.run(Date.now(), COMPACTION_STEPS_PER_TURN);
      compacting = !done;
    } catch (error) {
      // SQLITE_BUSY from a CLI writer, say: the next interval tries again (the failed run is left as received).
      compactionFailures++;
      const e = error as { code?: string; message?: string };
      lastCompactionError = [e.code, e.message ?? String(error)].filter(Boolean).join(': ');
      compacting = false;
    }
    if (compacting) setImmediate(compactSome);
  };
  const compactionTimer = setInterval(() => {
    if (!compacting) compactSome();
  }, COMPACTION_INTERVAL_MS);
  // Frames left from before a restart are looked at now, not one interval later.
  compacting = true;
  setImmediate(compactSome);
  const alarmLog = new AlarmLog(db);
  let commitsSinceWalCheck = 0;
  let retention: { vitals: RetentionJob; waves: WaveRetention } | null = null;
  let retentionNow = 0;
  const commitAndGuardWal = (batch: EncodedBatch) => {
    const result = commit(batch);
    if (++commitsSinceWalCheck >= 50) {
      commitsSinceWalCheck = 0;
      if (walBytes(db.name) > WAL_LIMIT_BYTES) db.pragma('wal_checkpoint(PASSIVE)');
    }
    return result;
  };
  return {
    handle(request) {
      switch (request.type) {
        case 'commit':
          return { type: 'committed', ids: commitAndGuardWal(request.batch).ids };
        case 'commitWaves':
          return { type: 'committed', ids: commitWaves(request.batch).ids };
        case 'recordAlarms':
          alarmLog.record(request.events, request.snapshot, request.now);
          return { type: 'alarmsRecorded' };
        case 'retain': {
          // On the writer's own connection: the deletes take turns with the vitals commits instead
          // of waiting for the write lock on the event loop that acknowledges frames.
          retentionNow = request.now;
          retention ??= {
            vitals: new RetentionJob(db, request.options, silentLogger(), () => retentionNow),
            waves: new WaveRetention(db, request.options, () => storageUse(db, request.options.diskBudgetMb), silentLogger(), () => retentionNow),
          };
          const deleted = retention.vitals.run();
          const wavesDeleted = retention.waves.run();
          const failed = { failures: compactionFailures, lastError: lastCompactionError };
          compactionFailures = 0;
          lastCompactionError = null;
          return { type: 'retained', pass: { deleted, wavesDeleted, use: storageUse(db, request.options.diskBudgetMb), compaction: failed } };
        }
      }
    },
    // A last checkpoint leaves a compact database file behind on a clean stop.
    close: () => {
      closed = true;
      clearInterval(compactionTimer);
      db.pragma('wal_checkpoint(PASSIVE)');
    },
  };
});
