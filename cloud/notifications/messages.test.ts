import { describe, expect, it } from 'vitest';
import { composeMessage, reminderTimes } from './messages.js';

const facts = { patientName: 'Ada', doctorName: 'Dr Grey', clinicName: 'North Clinic', timezone: 'Europe/Berlin', startsAt: new Date('2026-06-01T08:30:00Z'), mode: 'in_person' as const };

describe('notification messages', () => {
  it('writes the time in the clinic time zone', () => {
    const { subject, body } = composeMessage('booked', 'email', facts);
    expect(subject).toContain('10:30');
    expect(body).toContain('Dear Ada');
    expect(body).toContain('North Clinic');
  });
  it('writes each clinic its own zone, whichever zone was formatted before', () => {
    const berlin = () => composeMessage('booked', 'sms', facts).subject;
    const newYork = () => composeMessage('booked', 'sms', { ...facts, timezone: 'America/New_York' }).subject;
    for (let i = 0; i < 2; i++) {
      expect(berlin()).toContain('10:30');
      expect(newYork()).toContain('04:30');
    }
    expect(() => composeMessage('booked', 'sms', { ...facts, timezone: 'Not/AZone' })).toThrow(RangeError);
  });
  it('keeps SMS to one sentence and says video appointments are by video', () => {
    const { body } = composeMessage('reminder_1h', 'sms', { ...facts, mode: 'video' });
    expect(body).not.toContain('Dear');
    expect(body).toContain('by video');
  });
  it('plans only reminders still ahead', () => {
    const start = Date.parse('2026-06-01T08:30:00Z');
    expect(reminderTimes(new Date(start), start - 48 * 3_600_000).map((r) => r.kind)).toEqual(['reminder_24h', 'reminder_1h']);
    expect(reminderTimes(new Date(start), start - 2 * 3_600_000).map((r) => r.kind)).toEqual(['reminder_1h']);
    expect(reminderTimes(new Date(start), start - 30 * 60_000)).toEqual([]);
  });
});
