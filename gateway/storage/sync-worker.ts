/** The sync thread: reads, serializes and compresses the cloud's batches, and moves the sync cursors after the cloud confirmed them. */
import { BatchReader } from './batch-reader.js';
import type { SyncRequest } from './storage-messages.js';
import { serveStorageRole } from './storage-worker-loop.js';

serveStorageRole<SyncRequest>((db) => {
  const batches = new BatchReader(db);
  return {
    handle(request) {
      if (request.type === 'syncNext') return { type: 'syncBatch', batch: batches.next(request.limit, request.after, request.options) };
      batches.confirm(request.lastId, request.now, request.stream);
      return { type: 'syncConfirmed' };
    },
  };
});
