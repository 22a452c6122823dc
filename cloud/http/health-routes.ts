import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';

export function registerHealthRoutes(app: CloudApp): void {
  app.get('/v1/health', {
    config: { access: 'public' },
    schema: {
      tags: ['service'],
      summary: 'Liveness, database reachability and the storage mode in use',
      response: {
        200: Type.Object({ status: Type.Literal('ok'), storageMode: Type.Union([Type.Literal('timescaledb'), Type.Literal('native')]), database: Type.Literal('up'), startedAt: Type.String() }),
        503: Type.Object({ status: Type.Literal('degraded'), storageMode: Type.String(), database: Type.Literal('down'), startedAt: Type.String() }),
      },
    },
  }, async (_request, reply) => {
    const { sql, mode, startedAt } = app.ctx;
    try {
      await sql`SELECT 1`;
      return { status: 'ok' as const, storageMode: mode, database: 'up' as const, startedAt: startedAt.toISOString() };
    } catch {
      return reply.status(503).send({ status: 'degraded' as const, storageMode: mode, database: 'down' as const, startedAt: startedAt.toISOString() });
    }
  });
}
