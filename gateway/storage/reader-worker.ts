/** The reader thread: the UI's long reads (trends), so a 72-hour query never stalls the event loop that acknowledges frames. */
import type { ReaderRequest } from './storage-messages.js';
import { serveStorageRole } from './storage-worker-loop.js';
import { TrendQueries } from './trend-queries.js';

serveStorageRole<ReaderRequest>((db) => {
  const trends = new TrendQueries(db);
  return {
    handle: (request) => ({ type: 'trend', ...trends.series(request.patientId, request.code, request.from, request.to, request.maxPoints) }),
  };
});
