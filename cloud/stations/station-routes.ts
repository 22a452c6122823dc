import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { userOf } from '../http/access.js';
import { errorResponses } from '../http/schemas.js';

export function registerStationRoutes(app: CloudApp): void {
  const { stations, audit } = app.ctx;

  app.post('/v1/stations', {
    config: { access: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Provision a ward station; the secret is shown once',
      body: Type.Object({
        id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
        name: Type.String({ minLength: 1, maxLength: 200 }),
        facility: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: "whose patients (MRNs) the station may write; default 'main'" })),
      }),
      response: { 201: Type.Object({ stationId: Type.String(), secret: Type.String(), facility: Type.String(), credential: Type.String({ description: 'stationId.secret, for the station configuration' }) }), ...errorResponses },
    },
  }, async (request, reply) => {
    const created = await stations.provision(request.body.id, request.body.name, request.body.facility);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'station.provision', patientId: null, detail: { stationId: created.stationId, facility: created.facility } });
    return reply.status(201).send({ ...created, credential: `${created.stationId}.${created.secret}` });
  });

  app.get('/v1/stations', {
    config: { access: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Every station',
      response: { 200: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), facility: Type.String(), createdAt: Type.String({ format: 'date-time' }), revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) })), ...errorResponses },
    },
  }, async () => (await stations.list()).map((s) => ({ ...s, createdAt: s.createdAt.toISOString(), revokedAt: s.revokedAt?.toISOString() ?? null })));

  app.post('/v1/stations/:stationId/revoke', {
    config: { access: ['admin'] },
    schema: { tags: ['admin'], summary: 'Revoke a station credential (its next batch is refused)', params: Type.Object({ stationId: Type.String() }), response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await stations.revoke(request.params.stationId);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'station.revoke', patientId: null, detail: { stationId: request.params.stationId } });
    return reply.status(204).send(null);
  });
}
