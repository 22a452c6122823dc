import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { readRoute } from '../http/read-after.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';
import { CLINICAL } from '../patients/patient-routes.js';
import { BUCKET_STEPS } from './resolution.js';
import { VitalsHistory } from './vitals-history.js';
import { alarmWaves, AlarmWavesResponse } from './alarm-waves.js';

const PatientParams = Type.Object({ patientId: Type.Integer({ minimum: 1 }) });
const Instant = Type.Union([Type.Integer(), Type.String({ format: 'date-time' })], { description: 'epoch ms or ISO-8601 with offset' });

function instant(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ApiError('invalid_request', `not a time: ${String(value)}`);
  return ms;
}

export function registerVitalsRoutes(app: CloudApp): void {
  const { patients, latestVitals, audit } = app.ctx;
  // History may be a moment old: a streaming replica serves it when one is configured.
  const historyFor = async (request: FastifyRequest, reply: FastifyReply) => new VitalsHistory((await readRoute(app, request, reply)).sql);

  async function readable(patientId: number, actorId: number, action: string, detail?: Record<string, unknown>): Promise<void> {
    if (!(await patients.exists(patientId))) throw new ApiError('patient_not_found', `no patient with id ${patientId}`);
    audit.record({ actorType: 'user', actorId: String(actorId), action, patientId, ...(detail ? { detail } : {}) });
  }

  app.get('/v1/patients/:patientId/vitals/latest', {
    config: { access: CLINICAL },
    schema: {
      tags: ['vitals'],
      summary: 'Newest value of each vital (served from memory, current across replicas)',
      params: PatientParams,
      response: {
        200: Type.Object({ patientId: Type.Integer(), vitals: Type.Record(Type.String(), Type.Object({ value: Type.Number(), unit: Type.String(), ts: Type.Number() })) }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const latest = await latestVitals.get(request.params.patientId);
    // A patient with values exists; only an empty answer needs the existence check.
    if (Object.keys(latest.vitals).length === 0 && !(await patients.exists(request.params.patientId))) throw new ApiError('patient_not_found', `no patient with id ${request.params.patientId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'vitals.latest', patientId: request.params.patientId });
    return latest;
  });

  app.get('/v1/patients/:patientId/vitals', {
    config: { access: CLINICAL },
    schema: {
      tags: ['vitals'],
      summary: 'Vitals history over any range; raw for short ranges, min/mean/max buckets from the rollups otherwise',
      params: PatientParams,
      querystring: Type.Object({
        from: Instant,
        to: Type.Optional(Instant),
        vitals: Type.Optional(Type.String({ description: 'comma-separated codes, e.g. HR,SPO2; default all' })),
        resolution: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('raw'), ...BUCKET_STEPS.map((s) => Type.Literal(String(s)))], { description: 'auto, raw, or a bucket width in seconds' })),
        maxPoints: Type.Optional(Type.Integer({ minimum: 10, maximum: 5000 })),
      }),
      response: {
        200: Type.Object({
          patientId: Type.Integer(),
          from: Type.Number(),
          to: Type.Number(),
          resolution: Type.Union([Type.Literal('raw'), Type.Object({ bucketSeconds: Type.Integer() })]),
          series: Type.Record(Type.String(), Type.Object({ unit: Type.String(), points: Type.Array(Type.Array(Type.Number())) }), { description: 'raw points [t, value]; buckets [t, min, mean, max, count]; t in epoch ms' }),
        }),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const { patientId } = request.params;
    const from = instant(request.query.from, 0);
    const to = instant(request.query.to, Date.now());
    const resolution = request.query.resolution === undefined || request.query.resolution === 'auto' || request.query.resolution === 'raw' ? (request.query.resolution ?? 'auto') : Number(request.query.resolution);
    // The existence check and the history run side by side (two pooled connections): one round trip of latency.
    const [, json] = await Promise.all([
      readable(patientId, userOf(request).userId, 'vitals.history', { from, to }),
      historyFor(request, reply).then((onRoute) => onRoute.historyJson(patientId, from, to, {
        vitals: request.query.vitals?.split(',').map((v) => v.trim()).filter(Boolean),
        resolution,
        maxPoints: request.query.maxPoints,
      })),
    ]);
    // Already JSON (built by PostgreSQL and historyJson); sent as is, not serialized again.
    return reply.type('application/json; charset=utf-8').serializer((payload) => payload as string).send(json);
  });

  app.get('/v1/patients/:patientId/alarms', {
    config: { access: CLINICAL },
    schema: {
      tags: ['vitals'],
      summary: "A patient's alarm events (start / update / end), newest first",
      params: PatientParams,
      querystring: Type.Object({ from: Type.Optional(Instant), to: Type.Optional(Instant), ...PageQuery }),
      response: { 200: Page(Type.Record(Type.String(), Type.Unknown())), ...errorResponses },
    },
  }, async (request, reply) => {
    const { patientId } = request.params;
    const from = instant(request.query.from, 0);
    const to = instant(request.query.to, Date.now() + 60_000);
    await readable(patientId, userOf(request).userId, 'alarms.read');
    return (await historyFor(request, reply)).alarms(patientId, from, to, { cursor: request.query.cursor, limit: request.query.limit ?? 20 });
  });

  app.get('/v1/patients/:patientId/alarms/:alarmId/waves', {
    config: { access: CLINICAL },
    schema: {
      tags: ['vitals'],
      summary: "The waveform strip around an alarm's onset, as the station stored it (stations set to send them: cloud.alarmWaves)",
      params: Type.Object({ patientId: Type.Integer({ minimum: 1 }), alarmId: Type.String({ maxLength: 128 }) }),
      response: { 200: AlarmWavesResponse, ...errorResponses },
    },
  }, async (request) => {
    const { patientId, alarmId } = request.params;
    await readable(patientId, userOf(request).userId, 'alarms.waves.read', { alarmId });
    const strip = await alarmWaves(app.ctx.sql, patientId, alarmId);
    if (!strip) throw new ApiError('not_found', `no waveform strip for alarm ${alarmId} of patient ${patientId}`);
    return strip;
  });
}
