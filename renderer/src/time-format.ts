/**
 * Times as the station's locale writes them, with a 24-hour clock unless the locale is told
 * otherwise: a ward runs around the clock and "5:26am" is easily misread from across the room.
 */
const HOUR_CYCLE = 'h23' as const;

export function clockTime(ts: number, locale?: string, seconds = true): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: HOUR_CYCLE }).format(ts);
}

export function dateTime(ts: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: HOUR_CYCLE }).format(ts);
}

/** Short date for axis labels: day and month in the locale's order. */
export function dayMonth(ts: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: 'short' }).format(ts);
}

/** 75 s → "1:15", 2 h 3 min → "2:03:00". */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
