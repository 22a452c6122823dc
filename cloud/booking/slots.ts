/**
 * Slot arithmetic, pure: weekly blocks in a clinic's local time cut into slots, minus busy
 * ranges. The availability search does the same in SQL (one query); this is the reference the
 * tests compare it with, and the validation of schedules before they are stored.
 */

/** A block of working hours on one ISO weekday (1 = Monday), "HH:MM" local time, ends > starts. */
export interface WeeklyBlock {
  readonly weekday: number;
  readonly starts: string;
  readonly ends: string;
  readonly slotMinutes: number;
}

export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

export interface DoctorCalendar {
  readonly doctorId: number;
  readonly timezone: string;
  readonly blocks: readonly WeeklyBlock[];
  /** Non-cancelled appointments and exceptions, epoch ms, [start, end). */
  readonly busy: readonly TimeRange[];
}

export interface Slot {
  readonly doctorId: number;
  readonly start: number;
  readonly end: number;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

export function minutesOf(time: string): number {
  if (!TIME.test(time)) throw new RangeError(`not a time of day (HH:MM): ${time}`);
  const [h, m] = time.split(':').map(Number);
  return h! * 60 + m!;
}

/** Refuses blocks that cannot be cut into slots or that overlap on the same weekday. */
export function validateWeeklySchedule(blocks: readonly WeeklyBlock[]): string | null {
  const byDay = new Map<number, Array<[number, number]>>();
  for (const b of blocks) {
    if (!Number.isInteger(b.weekday) || b.weekday < 1 || b.weekday > 7) return `weekday must be 1 (Monday) to 7 (Sunday), got ${b.weekday}`;
    let starts: number;
    let ends: number;
    try {
      starts = minutesOf(b.starts);
      ends = minutesOf(b.ends);
    } catch (error) {
      return (error as Error).message;
    }
    if (ends <= starts) return `a block must end after it starts (${b.starts}-${b.ends})`;
    if (!Number.isInteger(b.slotMinutes) || b.slotMinutes < 5 || b.slotMinutes > 240) return 'slotMinutes must be 5 to 240';
    if (ends - starts < b.slotMinutes) return `block ${b.starts}-${b.ends} is shorter than one slot`;
    const list = byDay.get(b.weekday) ?? [];
    if (list.some(([s, e]) => starts < e && s < ends)) return `blocks overlap on weekday ${b.weekday}`;
    list.push([starts, ends]);
    byDay.set(b.weekday, list);
  }
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timezone, f);
  }
  return f;
}

export function isTimezone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timezone` from UTC at `instant`, in ms (east positive). */
function offsetMs(instant: number, timezone: string): number {
  const parts = Object.fromEntries(formatter(timezone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant of a local date ("YYYY-MM-DD") and minute of day in `timezone`. */
export function localToInstant(date: string, minuteOfDay: number, timezone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const naive = Date.UTC(y!, m! - 1, d!) + minuteOfDay * 60_000;
  const first = naive - offsetMs(naive, timezone);
  const second = naive - offsetMs(first, timezone);
  return second;
}

/** Local dates from `from` to `to` inclusive, with their ISO weekday. */
export function localDates(from: string, to: string): Array<{ date: string; weekday: number }> {
  const out: Array<{ date: string; weekday: number }> = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t);
    out.push({ date: day.toISOString().slice(0, 10), weekday: ((day.getUTCDay() + 6) % 7) + 1 });
  }
  return out;
}

/** Every free slot of the doctors on local dates [from, to], starting after `now`, by time then doctor. */
export function freeSlots(doctors: readonly DoctorCalendar[], from: string, to: string, now: number): Slot[] {
  const slots: Slot[] = [];
  const dates = localDates(from, to);
  for (const doctor of doctors) {
    for (const { date, weekday } of dates) {
      for (const block of doctor.blocks) {
        if (block.weekday !== weekday) continue;
        const starts = minutesOf(block.starts);
        const ends = minutesOf(block.ends);
        for (let m = starts; m + block.slotMinutes <= ends; m += block.slotMinutes) {
          const start = localToInstant(date, m, doctor.timezone);
          const end = localToInstant(date, m + block.slotMinutes, doctor.timezone);
          if (start <= now) continue;
          if (doctor.busy.some((b) => b.start < end && start < b.end)) continue;
          slots.push({ doctorId: doctor.doctorId, start, end });
        }
      }
    }
  }
  return slots.sort((a, b) => a.start - b.start || a.doctorId - b.doctorId);
}
