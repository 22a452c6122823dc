/**
 * The words of each notification, pure. Times are written in the clinic's time zone, because
 * that is where the patient has to be (or, for video, what the clinic's letters say).
 */
import { dateTimeFormat } from '../date-time-format.js';

export type NotificationKind = 'booked' | 'cancelled' | 'reminder_24h' | 'reminder_1h';
export type Channel = 'email' | 'sms';

export interface AppointmentFacts {
  readonly patientName: string;
  readonly doctorName: string;
  readonly clinicName: string | null;
  readonly timezone: string;
  readonly startsAt: Date;
  readonly mode: 'in_person' | 'video';
}

const WHEN: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };

export function formatWhen(at: Date, timezone: string): string {
  return dateTimeFormat('en-GB', timezone, WHEN).format(at);
}

export function composeMessage(kind: NotificationKind, channel: Channel, facts: AppointmentFacts): { subject: string; body: string } {
  const when = formatWhen(facts.startsAt, facts.timezone);
  const where = facts.mode === 'video' ? 'by video (the join link is in the clinic app shortly before the start)' : facts.clinicName ? `at ${facts.clinicName}` : 'at the clinic';
  const lines: Record<NotificationKind, { subject: string; text: string }> = {
    booked: { subject: `Appointment booked: ${when}`, text: `Your appointment with ${facts.doctorName} is booked for ${when}, ${where}.` },
    cancelled: { subject: `Appointment cancelled: ${when}`, text: `Your appointment with ${facts.doctorName} on ${when} has been cancelled.` },
    reminder_24h: { subject: `Reminder: appointment tomorrow, ${when}`, text: `Reminder: you see ${facts.doctorName} on ${when}, ${where}.` },
    reminder_1h: { subject: `Reminder: appointment in one hour, ${when}`, text: `Reminder: you see ${facts.doctorName} in one hour (${when}), ${where}.` },
  };
  const { subject, text } = lines[kind];
  if (channel === 'sms') return { subject, body: text };
  return { subject, body: `Dear ${facts.patientName},\n\n${text}\n\nIf you cannot come, please cancel so that someone else can have the time.\n` };
}

/** Reminders that are still ahead at booking time: (kind, when due). */
export function reminderTimes(startsAt: Date, now: number): Array<{ kind: NotificationKind; dueAt: Date }> {
  const reminders: Array<{ kind: NotificationKind; dueAt: Date }> = [
    { kind: 'reminder_24h', dueAt: new Date(startsAt.getTime() - 24 * 3_600_000) },
    { kind: 'reminder_1h', dueAt: new Date(startsAt.getTime() - 3_600_000) },
  ];
  return reminders.filter((r) => r.dueAt.getTime() > now);
}
