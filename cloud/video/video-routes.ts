import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { errorResponses } from '../http/schemas.js';
import { JOIN_DETAILS, videoRoomHook } from './video-rooms.js';

const STAFF: readonly ('physician' | 'nurse' | 'admin')[] = ['physician', 'nurse', 'admin'];

const JoinView = Type.Object({
  appointmentId: Type.Integer(),
  status: Type.Union([Type.Literal('ready'), Type.Literal('preparing'), Type.Literal('unavailable'), Type.Literal('cancelled')], {
    description: 'ready: join now; preparing: the room is made shortly before the start; unavailable: no room could be made, use the fallback',
  }),
  startsAt: Type.String(),
  provider: Type.Union([Type.String(), Type.Null()]),
  hostUrl: Type.Union([Type.String(), Type.Null()]),
  joinUrl: Type.Union([Type.String(), Type.Null()]),
  roomExpectedAt: Type.Union([Type.String(), Type.Null()]),
  fallback: Type.Union([
    Type.Object({ kind: Type.Literal('phone'), patientPhone: Type.Union([Type.String(), Type.Null()]), clinicPhone: Type.Union([Type.String(), Type.Null()]), message: Type.String() }),
    Type.Null(),
  ]),
});

interface JoinRow {
  status: string;
  provider: string | null;
  roomName: string | null;
  hostUrl: string | null;
  joinUrl: string | null;
  startsAt: Date;
  dueAt: Date;
  lastError: string | null;
  patientId: number;
  patientPhone: string | null;
}

/**
 * Registers the room hook on appointment changes and the join route, which answers from the
 * database only (no provider call): a ready room, a room still being prepared, or, when none
 * could be made in time, the phone fallback.
 */
export function registerVideoRoutes(app: CloudApp): void {
  const { sql, audit } = app.ctx;
  const config = app.ctx.config.video;
  app.ctx.appointmentHooks.push(videoRoomHook(config.leadMs));

  app.get('/v1/appointments/:appointmentId/join', {
    config: { access: STAFF },
    schema: {
      tags: ['video'],
      summary: 'Join details of a video appointment, from the database: the room, or a phone fallback when none could be made in time',
      params: Type.Object({ appointmentId: Type.Integer({ minimum: 1 }) }),
      response: { 200: JoinView, ...errorResponses },
    },
  }, async (request) => {
    const { appointmentId } = request.params;
    const [row] = await run<JoinRow>(sql, JOIN_DETAILS, [appointmentId]);
    if (!row) throw new ApiError('not_found', `appointment ${appointmentId} is not a video appointment (or does not exist)`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'appointment.join', patientId: row.patientId, detail: { appointmentId } });
    const late = Date.now() >= row.startsAt.getTime();
    const status = row.status === 'ready' ? 'ready' : row.status === 'cancelled' ? 'cancelled' : row.status === 'gave_up' || late ? 'unavailable' : 'preparing';
    return {
      appointmentId,
      status,
      startsAt: row.startsAt.toISOString(),
      provider: row.status === 'ready' ? row.provider : null,
      hostUrl: row.status === 'ready' ? row.hostUrl : null,
      joinUrl: row.status === 'ready' ? row.joinUrl : null,
      roomExpectedAt: status === 'preparing' ? row.dueAt.toISOString() : null,
      fallback:
        status === 'unavailable'
          ? { kind: 'phone' as const, patientPhone: row.patientPhone, clinicPhone: config.fallbackPhone, message: 'No video room could be made in time: hold the consultation by phone.' }
          : null,
    };
  });
}
