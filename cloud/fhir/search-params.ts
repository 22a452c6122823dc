import { invalidSearch } from './operation-outcome.js';

/**
 * Parsing FHIR search parameter values (pure). Only what the facade supports: date prefixes
 * eq/ge/gt/le/lt, tokens `system|code`, and references `Type/id`. Anything else is refused, never
 * ignored: a filter silently dropped would return another patient's or another day's data.
 */

/** The half-open instant range [from, to) that date conditions leave, in epoch ms. */
export interface InstantRange {
  readonly from: number;
  readonly to: number;
}

const DATE = /^(eq|ge|gt|le|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** A date value as the range it denotes at its precision (2026-12-03 is that whole UTC day). */
export function dateValue(text: string, name: string): { prefix: string; start: number; end: number; precision: 'year' | 'month' | 'day' | 'time' } {
  const m = DATE.exec(text);
  if (!m) throw invalidSearch(`${name}=${text.slice(0, 40)}: not a FHIR date (prefix eq|ge|gt|le|lt, then YYYY[-MM[-DD[Thh:mm[:ss]±zz:zz]]])`);
  const [, prefix = 'eq', year, month, day, hour, minute, second, fraction, zone] = m;
  if (hour !== undefined) {
    const start = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second ?? '00'}${fraction ?? ''}${zone}`);
    if (!Number.isFinite(start)) throw invalidSearch(`${name}=${text.slice(0, 40)}: not a valid time`);
    const step = fraction !== undefined ? 1 : second !== undefined ? 1000 : 60_000;
    return { prefix, start, end: start + step, precision: 'time' };
  }
  const y = Number(year);
  const mo = month === undefined ? 0 : Number(month) - 1;
  const d = day === undefined ? 1 : Number(day);
  const start = Date.UTC(y, mo, d);
  const check = new Date(start);
  if (check.getUTCMonth() !== mo || check.getUTCDate() !== d) throw invalidSearch(`${name}=${text}: not a calendar date`);
  const end = day !== undefined ? Date.UTC(y, mo, d + 1) : month !== undefined ? Date.UTC(y, mo + 1, 1) : Date.UTC(y + 1, 0, 1);
  return { prefix, start, end, precision: day !== undefined ? 'day' : month !== undefined ? 'month' : 'year' };
}

/** All date conditions of a parameter narrowed into one range (they are ANDed, as FHIR says). */
export function dateRange(values: readonly string[], name: string, unbounded: InstantRange): InstantRange {
  let { from, to } = unbounded;
  for (const text of values) {
    if (text.includes(',')) throw invalidSearch(`${name}: a list of dates (OR) is not supported; repeat the parameter to AND ranges`);
    const { prefix, start, end } = dateValue(text, name);
    if (prefix === 'ge' || prefix === 'eq') from = Math.max(from, start);
    if (prefix === 'gt') from = Math.max(from, end);
    if (prefix === 'lt') to = Math.min(to, start);
    if (prefix === 'le' || prefix === 'eq') to = Math.min(to, end);
  }
  return { from, to };
}

/** `system|code`, `|code` or `code`, each of a comma-separated list (OR). */
export function tokenValues(value: string, name: string): Array<{ system: string | null; code: string }> {
  return value.split(',').map((part) => {
    const bar = part.indexOf('|');
    const token = bar < 0 ? { system: null, code: part } : { system: part.slice(0, bar), code: part.slice(bar + 1) };
    if (token.code === '') throw invalidSearch(`${name}: empty code in ${JSON.stringify(value.slice(0, 60))}`);
    return token;
  });
}

/** The numeric id a reference names: `Type/12`, a URL ending in `/Type/12`, or `12`. */
export function referenceId(value: string, type: string, name: string): number {
  const m = new RegExp(`^(?:.*/)?(?:${type}/)?([1-9][0-9]{0,15})$`).exec(value);
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(id) || (value.includes('/') && !value.includes(`${type}/`))) throw invalidSearch(`${name}=${value.slice(0, 60)}: expected a reference to ${type} (${type}/123)`);
  return id;
}

/** A resource id of this service: a positive decimal integer, as the REST API's ids. */
export function numericId(id: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}
