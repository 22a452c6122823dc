import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { errorResponses } from '../http/schemas.js';
import { CLINICAL } from '../patients/patient-routes.js';
import { VitalStreamHub } from './vital-stream-hub.js';
import { VitalStreamLog } from './vital-stream-log.js';

/** Last-Event-ID: an event id this service gave (a non-negative integer), or absent. */
function lastEventId(header: string | string[] | undefined): number | null {
  if (header === undefined) return null;
  const text = Array.isArray(header) ? header[0]! : header;
  if (!/^\d{1,15}$/.test(text.trim())) throw new ApiError('invalid_request', 'Last-Event-ID must be an event id this stream sent');
  return Number(text.trim());
}

/**
 * `GET /v1/patients/{id}/vitals/stream`: Server-Sent Events of the patient's newest values as they
 * are ingested on any replica (README "Live vitals stream"). Same access and audit as the history.
 */
export function registerVitalStreamRoutes(app: CloudApp): void {
  const { sql, bus, patients, audit } = app.ctx;
  const config = app.ctx.config.vitalStream;
  const hub = new VitalStreamHub(new VitalStreamLog(sql), bus, config, app.log);
  app.addHook('onReady', () => hub.start());
  // Before the server waits for its connections to end: open streams would hold it forever.
  app.addHook('preClose', async () => hub.stop());

  app.get('/v1/patients/:patientId/vitals/stream', {
    config: { access: CLINICAL },
    schema: {
      tags: ['vitals'],
      summary: 'Live vitals as Server-Sent Events: a snapshot, then each ingested batch; resume with Last-Event-ID; a heartbeat comment when quiet',
      params: Type.Object({ patientId: Type.Integer({ minimum: 1 }) }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 32 })) }),
      response: { 200: { description: 'text/event-stream: events `snapshot` and `vitals`, data {"patientId", "vitals": {CODE: {value, unit, ts}}}', content: { 'text/event-stream': { schema: Type.String() } } }, ...errorResponses },
    },
  }, async (request, reply) => {
    const { patientId } = request.params;
    const userId = userOf(request).userId;
    const resumeAfter = lastEventId(request.headers['last-event-id']);
    if (!(await patients.exists(patientId))) throw new ApiError('patient_not_found', `no patient with id ${patientId}`);
    hub.admit(userId);
    audit.record({ actorType: 'user', actorId: String(userId), action: 'vitals.stream', patientId, detail: { resumeAfter } });
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-content-type-options': 'nosniff',
      // Reverse proxies (nginx) would otherwise hold events back in their buffers.
      'x-accel-buffering': 'no',
      // Never reused: when the stream ends (the replica stops) the socket closes with it, instead
      // of idling on keep-alive and holding the server's close.
      connection: 'close',
    });
    const close = hub.open(patientId, userId, resumeAfter, response);
    request.raw.socket.on('close', close);
    response.on('close', close);
  });
}
