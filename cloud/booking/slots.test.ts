import { describe, expect, it } from 'vitest';
import { freeSlots, localDates, localToInstant, validateWeeklySchedule } from './slots.js';

describe('slot arithmetic', () => {
  it('turns local wall-clock times into instants, across time zones and DST', () => {
    expect(new Date(localToInstant('2026-06-01', 9 * 60, 'UTC')).toISOString()).toBe('2026-06-01T09:00:00.000Z');
    expect(new Date(localToInstant('2026-06-01', 9 * 60, 'Europe/Berlin')).toISOString()).toBe('2026-06-01T07:00:00.000Z');
    expect(new Date(localToInstant('2026-01-05', 9 * 60, 'Europe/Berlin')).toISOString()).toBe('2026-01-05T08:00:00.000Z');
    expect(new Date(localToInstant('2026-06-01', 23 * 60 + 30, 'America/New_York')).toISOString()).toBe('2026-06-02T03:30:00.000Z');
  });

  it('lists local dates with ISO weekdays', () => {
    expect(localDates('2026-06-06', '2026-06-08')).toEqual([
      { date: '2026-06-06', weekday: 6 },
      { date: '2026-06-07', weekday: 7 },
      { date: '2026-06-08', weekday: 1 },
    ]);
  });

  it('cuts blocks into whole slots and leaves out busy ones and the past', () => {
    const calendar = { doctorId: 7, timezone: 'UTC', blocks: [{ weekday: 1, starts: '09:00', ends: '10:50', slotMinutes: 30 }], busy: [{ start: Date.parse('2026-06-01T09:45:00Z'), end: Date.parse('2026-06-01T09:50:00Z') }] };
    const slots = freeSlots([calendar], '2026-06-01', '2026-06-01', Date.parse('2026-06-01T09:00:00Z'));
    // 09:00 has started (not after now), 09:30 overlaps the busy range, 10:50 leaves no whole slot.
    expect(slots.map((s) => new Date(s.start).toISOString().slice(11, 16))).toEqual(['10:00']);
  });

  it('orders by time, then doctor', () => {
    const block = { weekday: 1, starts: '09:00', ends: '10:00', slotMinutes: 60 };
    const slots = freeSlots([{ doctorId: 2, timezone: 'UTC', blocks: [block], busy: [] }, { doctorId: 1, timezone: 'UTC', blocks: [block], busy: [] }], '2026-06-01', '2026-06-08', 0);
    expect(slots.map((s) => s.doctorId)).toEqual([1, 2, 1, 2]);
  });

  it('refuses bad schedules', () => {
    expect(validateWeeklySchedule([{ weekday: 1, starts: '09:00', ends: '12:00', slotMinutes: 15 }, { weekday: 2, starts: '09:00', ends: '12:00', slotMinutes: 15 }])).toBeNull();
    expect(validateWeeklySchedule([{ weekday: 8, starts: '09:00', ends: '12:00', slotMinutes: 15 }])).toMatch(/weekday/);
    expect(validateWeeklySchedule([{ weekday: 1, starts: '12:00', ends: '09:00', slotMinutes: 15 }])).toMatch(/end after/);
    expect(validateWeeklySchedule([{ weekday: 1, starts: '9:00', ends: '12:00', slotMinutes: 15 }])).toMatch(/HH:MM/);
    expect(validateWeeklySchedule([{ weekday: 1, starts: '09:00', ends: '09:10', slotMinutes: 15 }])).toMatch(/shorter/);
    expect(validateWeeklySchedule([{ weekday: 1, starts: '09:00', ends: '12:00', slotMinutes: 15 }, { weekday: 1, starts: '11:00', ends: '13:00', slotMinutes: 15 }])).toMatch(/overlap/);
  });
});
