/** The reader thread: the UI's long reads (trends, full disclosure), so they never stall the event loop that acknowledges frames. */
import { reviewWaves } from '../waves/wave-review.js';
import { WaveQueries } from '../waves/wave-queries.js';
import type { ReaderRequest } from './storage-messages.js';
import { serveStorageRole } from './storage-worker-loop.js';
import { TrendQueries } from './trend-queries.js';

serveStorageRole<ReaderRequest>((db) => {
  const trends = new TrendQueries(db);
  const waves = new WaveQueries(db);
  return {
    handle: (request) =>
      request.type === 'trend'
        ? { type: 'trend', ...trends.series(request.patientId, request.code, request.from, request.to, request.maxPoints) }
        : { type: 'waves', waves: reviewWaves(waves, request.patientId, request.from, request.to) },
  };
});
