/**
 * The words of each notification, pure. Times are written in the clinic's time zone, because
 * that is where the patient has to be (or, for video, what the clinic's letters say).
 */
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

/**
 * One formatter per time zone, made once: building an `Intl.DateTimeFormat` loads the zone's and
 * locale's data and took more of the cloud's CPU than anything else in a booking (six messages
 * each). Keyed by the clinics' IANA zones, a few hundred at most; a zone Intl refuses throws here
 * as before and is not kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatWhen(at: Date, timezone: string): string {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    formatters.set(timezone, formatter);
  }
  return formatter.format(at);
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
