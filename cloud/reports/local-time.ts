/**
 * Times as a reader of a printed report reads them: in one named time zone, 24-hour clock,
 * day-month-year. Pure functions over epoch milliseconds and IANA zone names.
 */
import { dateTimeFormat } from '../date-time-format.js';

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return dateTimeFormat('en-GB', timeZone, { hourCycle: 'h23', ...options });
}

/** True when the runtime knows the zone (an unknown one would throw at the first format). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: string;
}

export function localParts(t: number, timeZone: string): LocalParts {
  const parts = formatter(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short' }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { year: Number(get('year')), month: Number(get('month')), day: Number(get('day')), hour: Number(get('hour')) % 24, minute: Number(get('minute')), weekday: get('weekday') };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:05" */
export function clock(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** "Wed 04 Mar 2026" */
export function longDate(t: number, timeZone: string): string {
  return formatter(timeZone, { weekday: 'short', day: '2-digit', month: 'short', year: 'numeric' }).format(t).replace(/,/g, '');
}

/** "04 Mar 2026 14:05" (and "24:00" for the midnight that ends a period, if asked) */
export function dateTime(t: number, timeZone: string): string {
  return `${formatter(timeZone, { day: '2-digit', month: 'short', year: 'numeric' }).format(t)} ${clock(t, timeZone)}`;
}

/** "UTC+01:00" for the zone at that instant (daylight saving time included). */
export function utcOffset(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  const minutes = Math.round((asUtc - Math.floor(t / 60_000) * 60_000) / 60_000);
  const sign = minutes < 0 ? '−' : '+';
  return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** "Europe/Berlin, UTC+01:00" (both offsets when the period crosses a change of clock). */
export function zoneLabel(from: number, to: number, timeZone: string): string {
  const a = utcOffset(from, timeZone);
  const b = utcOffset(to - 1, timeZone);
  return `${timeZone}, ${a === b ? a : `${a} → ${b}`}`;
}

/** "4 h 05 min", "35 min", "0 min": durations in a table line up. */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}

/** "5 min", "1 h", "6 h": the width of a chart's bucket or bar. */
export function interval(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 || minutes % 60 !== 0 ? duration(ms) : `${minutes / 60} h`;
}

/** "1 min 20 s", "45 s" */
export function shortDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  return duration(ms);
}

export interface TimeTick {
  readonly t: number;
  readonly label: string;
  /** A tick at local midnight: drawn stronger, labelled with the date. */
  readonly major: boolean;
}

const QUARTER = 15 * 60_000;
const HOUR = 60 * 60_000;
const STEPS_MINUTES = [15, 30, 60, 120, 180, 360, 720, 1440];
const tickCache = new Map<string, TimeTick[]>();

/**
 * Ticks on whole local hours (or quarters) chosen so about `count` fit: every zone's offset is
 * a multiple of 15 minutes, so local quarter-hours are UTC quarter-hours. Asking the zone is the
 * costly part, so hourly steps walk whole local hours (back to quarters if a change of clock
 * moves the minutes), and every chart of a report shares its axis's ticks.
 */
export function timeTicks(from: number, to: number, timeZone: string, count = 8): TimeTick[] {
  const key = `${from}|${to}|${timeZone}|${count}`;
  const cached = tickCache.get(key);
  if (cached) return cached;
  const span = to - from;
  const step = STEPS_MINUTES.find((m) => span / (m * 60_000) <= count) ?? 1440;
  const ticks: TimeTick[] = [];
  let stride = QUARTER;
  let t = Math.ceil(from / QUARTER) * QUARTER;
  if (step >= 60) {
    while (t <= to && localParts(t, timeZone).minute !== 0) t += QUARTER;
    stride = HOUR;
  }
  for (; t <= to; t += stride) {
    const p = localParts(t, timeZone);
    if (stride === HOUR && p.minute !== 0) {
      stride = QUARTER;
      continue;
    }
    const minutesOfDay = p.hour * 60 + p.minute;
    if (minutesOfDay % step !== 0) continue;
    const midnight = minutesOfDay === 0;
    const label = step >= 1440 || (midnight && span > 86_400_000 + 3_600_000) ? `${p.weekday} ${pad(p.day)}.${pad(p.month)}.` : `${pad(p.hour)}:${pad(p.minute)}`;
    ticks.push({ t, label, major: midnight });
  }
  if (tickCache.size >= 32) tickCache.delete(tickCache.keys().next().value!);
  tickCache.set(key, ticks);
  return ticks;
}
