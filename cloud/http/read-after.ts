import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CloudApp } from '../context.js';
import type { ReadRoute } from '../db/read-routing.js';
import { formatLsn, parseLsn } from '../db/lsn.js';
import { ApiError } from '../errors.js';

/**
 * Read-your-writes across streaming replicas. With replicas configured, every successful write
 * answers with `X-Read-After`: the primary's log position once the write committed. A client
 * sends the last one it got back on its reads; a read that may run on a replica then waits until
 * the replica has replayed that far, or runs on the primary (see ReadRouting). `X-Read-Source`
 * says which one answered.
 */
export const READ_AFTER_HEADER = 'x-read-after';
export const READ_SOURCE_HEADER = 'x-read-source';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function registerReadAfter(app: CloudApp): void {
  const { reads } = app.ctx;
  if (!reads.replicated) return;
  app.addHook('onSend', async (request, reply) => {
    if (READS.has(request.method) || reply.statusCode >= 400) return;
    try {
      void reply.header(READ_AFTER_HEADER, formatLsn(await reads.primaryLsn()));
    } catch {
      // No position: the client's next reads may run on a replica without waiting for this write.
      request.log.warn('the primary did not tell its log position: no X-Read-After on this answer');
    }
  });
}

/** The position the client asked its read to include, or null; a clear 400 when malformed. */
export function readAfterOf(request: FastifyRequest): bigint | null {
  const raw = request.headers[READ_AFTER_HEADER];
  if (raw === undefined || raw === '') return null;
  const lsn = typeof raw === 'string' ? parseLsn(raw) : null;
  if (lsn === null) throw new ApiError('invalid_request', `${READ_AFTER_HEADER} must be a log position such as 16/B374D848, as the cloud sent it`);
  return lsn;
}

/** Where this request's read runs (a replica that has its client's last write, or the primary). */
export async function readRoute(app: CloudApp, request: FastifyRequest, reply: FastifyReply, readAfter = readAfterOf(request)): Promise<ReadRoute> {
  const route = await app.ctx.reads.route(readAfter);
  if (app.ctx.reads.replicated) void reply.header(READ_SOURCE_HEADER, route.source);
  return route;
}
