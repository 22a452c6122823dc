/**
 * The checkpointer thread. A WAL checkpoint copies the log into the database file and fsyncs it
 * (tens to hundreds of ms); done inside a commit it would hold every acknowledgement that long, so
 * the writer never checkpoints and this second connection runs PASSIVE checkpoints, which do not
 * block the writer, every second.
 */
import type { CheckpointerRequest } from './storage-messages.js';
import { serveStorageRole } from './storage-worker-loop.js';

const CHECKPOINT_INTERVAL_MS = 1000;

serveStorageRole<CheckpointerRequest>((db) => {
  const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), CHECKPOINT_INTERVAL_MS);
  return {
    handle: () => ({ type: 'failed', message: 'the checkpointer takes no requests', code: null }),
    close: () => clearInterval(timer),
  };
});
