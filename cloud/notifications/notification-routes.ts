import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { errorResponses } from '../http/schemas.js';
import { notificationHook } from './outbox.js';

const STAFF: readonly ('physician' | 'nurse' | 'admin')[] = ['physician', 'nurse', 'admin'];

export const APPOINTMENT_NOTIFICATIONS = `
SELECT id, channel, kind, recipient, status, attempts, last_error AS "lastError", due_at AS "dueAt", sent_at AS "sentAt"
FROM notifications WHERE appointment_id = $1 ORDER BY id`;

const NotificationView = Type.Object({
  id: Type.Integer(),
  channel: Type.String(),
  kind: Type.String(),
  recipient: Type.String(),
  status: Type.String({ description: 'queued, sending, sent, failed (will retry), gave_up or cancelled' }),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  dueAt: Type.String(),
  sentAt: Type.Union([Type.String(), Type.Null()]),
});

/** Registers the outbox hook on appointment changes and the route that shows notification states. */
export function registerNotificationRoutes(app: CloudApp): void {
  const { sql, audit } = app.ctx;
  app.ctx.appointmentHooks.push(notificationHook());

  app.get('/v1/appointments/:appointmentId/notifications', {
    config: { access: STAFF },
    schema: {
      tags: ['notifications'],
      summary: "An appointment's notifications and the state of each (attempts, last error)",
      params: Type.Object({ appointmentId: Type.Integer({ minimum: 1 }) }),
      response: { 200: Type.Object({ items: Type.Array(NotificationView) }), ...errorResponses },
    },
  }, async (request) => {
    const { appointmentId } = request.params;
    const [appointment] = await run<{ patientId: number }>(sql, 'SELECT patient_id AS "patientId" FROM appointments WHERE id = $1', [appointmentId]);
    if (!appointment) throw new ApiError('not_found', `no appointment with id ${appointmentId}`);
    // Recipients are the patient's contact details: reading them is audited like any patient read.
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'appointment.notifications', patientId: appointment.patientId, detail: { appointmentId } });
    const rows = await run<{ dueAt: Date; sentAt: Date | null }>(sql, APPOINTMENT_NOTIFICATIONS, [appointmentId]);
    return { items: rows.map((r) => ({ ...r, dueAt: r.dueAt.toISOString(), sentAt: r.sentAt?.toISOString() ?? null })) };
  });
}
