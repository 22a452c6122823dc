import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { stationOf } from '../http/access.js';
import { errorResponses } from '../http/schemas.js';
import { assertKnownVitals } from './batch-ingest.js';
import { BatchResult, StationBatch } from '../../gateway/protocol/sync-batch.js';

/**
 * A batch decompressed may be this large (20,000 observations of 9 vitals fit in ~5 MB). Request
 * bodies are decompressed by @fastify/compress; the limit applies to the decompressed bytes, so a
 * small gzip bomb cannot fill memory.
 */
const MAX_BATCH_BYTES = 32 * 1024 * 1024;
const bodyHashes = new WeakMap<FastifyRequest, Buffer>();

export function registerIngestRoutes(app: CloudApp): void {
  void app.register(async (scope) => {
    // The body's SHA-256 is taken over the bytes received (decompressed), before parsing: a
    // replay must be byte-identical to count as the same batch.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BATCH_BYTES }, (request, body, done) => {
      bodyHashes.set(request, createHash('sha256').update(body as Buffer).digest());
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')));
      } catch {
        done(new ApiError('invalid_request', 'the body is not valid JSON'), undefined);
      }
    });

    scope.withTypeProvider<TypeBoxTypeProvider>().put('/v1/stations/:stationId/batches/:batchId', {
      config: { access: 'station' },
      bodyLimit: MAX_BATCH_BYTES,
      schema: {
        tags: ['stations'],
        summary: 'Upload a station batch (idempotent: same id and body → same answer; same id, other body → 409)',
        description: 'Body: gzip JSON (Content-Encoding: gzip). Rows at or below the station\'s stream cursor are recognised as already stored.',
        security: [{ station: [] }],
        params: Type.Object({ stationId: Type.String({ maxLength: 64 }), batchId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }) }),
        body: StationBatch,
        response: { 200: BatchResult, ...errorResponses, 413: errorResponses[400], 415: errorResponses[400] },
      },
    }, async (request) => {
      const station = stationOf(request);
      assertKnownVitals(request.body);
      const result = await app.ctx.ingest.ingest(station, request.params.batchId, bodyHashes.get(request)!, request.body);
      app.ctx.metrics?.ingested(result);
      if (result.refused.length > 0 && !result.replayed) {
        const byReason: Record<string, number> = {};
        for (const r of result.refused) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
        app.ctx.securityEvents.record({ event: 'ingest.rows_refused', stationId: station.stationId, address: request.ip, detail: { batchId: request.params.batchId, ...byReason } });
      }
      if (result.identityConflicts > 0 && !result.replayed) {
        app.ctx.securityEvents.record({ event: 'ingest.identity_conflict', stationId: station.stationId, address: request.ip, detail: { batchId: request.params.batchId, patients: result.identityConflicts } });
      }
      return result;
    });
  });
}
