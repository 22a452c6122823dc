import type { AppointmentChange, AppointmentHook } from '../booking/appointment-events.js';
import { run, type TransactionSql } from '../db/sql.js';
import { composeMessage, reminderTimes, type Channel, type NotificationKind } from './messages.js';

export interface OutboxEntry {
  readonly appointmentId: number | null;
  readonly patientId: number | null;
  readonly channel: Channel;
  readonly kind: NotificationKind;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  readonly dueAt: Date;
}

/** Many rows in one statement; a repeated (appointment, kind, channel) is written once. */
export const INSERT_OUTBOX = `
INSERT INTO notifications (appointment_id, patient_id, channel, kind, recipient, subject, body, due_at)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]::timestamptz[])
ON CONFLICT (appointment_id, kind, channel) WHERE appointment_id IS NOT NULL DO NOTHING`;

/** A cancelled appointment's reminders that have not gone out yet never will. */
export const CANCEL_REMINDERS = `
UPDATE notifications SET status = 'cancelled', updated_at = now()
WHERE appointment_id = $1 AND kind IN ('reminder_24h', 'reminder_1h') AND status IN ('queued', 'failed')`;

const FACTS = `
SELECT p.name AS patient, p.email, p.phone, d.name AS doctor, c.name AS clinic, COALESCE(c.timezone, 'UTC') AS timezone
FROM patients p, doctors d LEFT JOIN clinics c ON c.id = d.clinic_id
WHERE p.id = $1 AND d.id = $2`;

export async function enqueue(tx: TransactionSql, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await run(tx, INSERT_OUTBOX, [
    entries.map((e) => e.appointmentId),
    entries.map((e) => e.patientId),
    entries.map((e) => e.channel),
    entries.map((e) => e.kind),
    entries.map((e) => e.recipient),
    entries.map((e) => e.subject),
    entries.map((e) => e.body),
    entries.map((e) => e.dueAt.toISOString()),
  ]);
}

/**
 * The appointment hook: booking and cancelling write their notifications
 * into the outbox inside the booking transaction, so a notification exists if and only if the
 * change committed, and the request never waits for a mail server.
 */
export function notificationHook(now: () => number = Date.now): AppointmentHook {
  return async (tx: TransactionSql, change: AppointmentChange) => {
    const { appointment } = change;
    if (change.kind === 'cancelled') await run(tx, CANCEL_REMINDERS, [appointment.id]);
    if (change.kind !== 'booked' && change.kind !== 'cancelled') return;
    const [facts] = await run<{ patient: string; email: string | null; phone: string | null; doctor: string; clinic: string | null; timezone: string }>(tx, FACTS, [appointment.patientId, appointment.doctorId]);
    if (!facts) return;
    const at = now();
    const planned: Array<{ kind: NotificationKind; dueAt: Date }> = [{ kind: change.kind, dueAt: new Date(at) }];
    if (change.kind === 'booked') planned.push(...reminderTimes(appointment.startsAt, at));
    const channels: Array<[Channel, string]> = [];
    if (facts.email) channels.push(['email', facts.email]);
    if (facts.phone) channels.push(['sms', facts.phone]);
    const appointmentFacts = { patientName: facts.patient, doctorName: facts.doctor, clinicName: facts.clinic, timezone: facts.timezone, startsAt: appointment.startsAt, mode: appointment.mode };
    const entries: OutboxEntry[] = [];
    for (const { kind, dueAt } of planned) {
      for (const [channel, recipient] of channels) {
        entries.push({ appointmentId: appointment.id, patientId: appointment.patientId, channel, kind, recipient, ...composeMessage(kind, channel, appointmentFacts), dueAt });
      }
    }
    await enqueue(tx, entries);
  };
}
