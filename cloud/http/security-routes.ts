import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { errorResponses, Page, PageQuery } from './schemas.js';

const SecurityEventSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  event: Type.String({ description: 'auth.login_failed, auth.login_throttled, auth.refresh_reused, access.denied, station.auth_failed, station.revoked, ingest.rows_refused, ...' }),
  username: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  stationId: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

export function registerSecurityRoutes(app: CloudApp): void {
  const { securityEvents } = app.ctx;
  app.get('/v1/security-events', {
    config: { access: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Security events, newest first (keyset pages); never patient data',
      querystring: Type.Object({ event: Type.Optional(Type.String({ maxLength: 64 })), ...PageQuery }),
      response: { 200: Page(SecurityEventSchema), ...errorResponses },
    },
  }, async (request) => securityEvents.list({ event: request.query.event, cursor: request.query.cursor, limit: request.query.limit ?? 20 }));
}
