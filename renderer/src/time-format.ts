/**
 * Times as the station's locale writes them, with a 24-hour clock unless the locale is told
 * otherwise: a ward runs around the clock and "5:26am" is easily misread from across the room.
 */
const HOUR_CYCLE = 'h23' as const;
const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: HOUR_CYCLE };
const CLOCK_MINUTES: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: HOUR_CYCLE };
const DATE_TIME: Intl.DateTimeFormatOptions = { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: HOUR_CYCLE };
const DAY_MONTH: Intl.DateTimeFormatOptions = { day: '2-digit', month: 'short' };

/** Building a formatter costs far more than using one: one per locale and format. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

export function clockTime(ts: number, locale?: string, seconds = true): string {
  return formatter(locale, seconds ? CLOCK : CLOCK_MINUTES).format(ts);
}

export function dateTime(ts: number, locale?: string): string {
  return formatter(locale, DATE_TIME).format(ts);
}

/** Short date for axis labels: day and month in the locale's order. */
export function dayMonth(ts: number, locale?: string): string {
  return formatter(locale, DAY_MONTH).format(ts);
}

/** 75 s → "1:15", 2 h 3 min → "2:03:00". */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
