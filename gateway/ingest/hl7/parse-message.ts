/**
 * A small HL7 v2 reader (pure): segments, fields, repetitions, components, escapes. Accepts CR,
 * LF and CRLF between segments, because real senders and their test tools differ.
 */
export interface Hl7Delimiters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
}

export class Hl7ParseError extends Error {
  readonly code = 'HL7_PARSE';
}

export class Hl7Segment {
  constructor(
    readonly name: string,
    private readonly fields: readonly string[],
    private readonly delimiters: Hl7Delimiters,
  ) {}

  /**
   * Raw field n (1-based, HL7 numbering: for MSH, field 1 is the field separator itself and
   * field 2 the encoding characters).
   */
  raw(n: number): string {
    return this.fields[n] ?? '';
  }

  /** Component c (1-based) of repetition r (0-based) of field n, unescaped. */
  get(n: number, c = 1, r = 0): string {
    const field = this.raw(n);
    if (!field) return '';
    const repetition = field.split(this.delimiters.repetition)[r] ?? '';
    const component = repetition.split(this.delimiters.component)[c - 1] ?? '';
    return unescape(component.split(this.delimiters.subcomponent)[0] ?? '', this.delimiters);
  }
}

export interface Hl7Message {
  readonly delimiters: Hl7Delimiters;
  readonly segments: readonly Hl7Segment[];
}

export function parseHl7(text: string): Hl7Message {
  const cleaned = text.replace(/^\uFEFF/, '').trim();
  if (!cleaned.startsWith('MSH') || cleaned.length < 8) throw new Hl7ParseError('message does not start with an MSH segment');
  const fieldSep = cleaned[3]!;
  const encoding = cleaned.slice(4, 8);
  if (/[A-Za-z0-9\r\n]/.test(fieldSep) || encoding.length < 4 || encoding.includes(fieldSep)) {
    throw new Hl7ParseError('MSH-1/MSH-2 encoding characters are invalid');
  }
  const delimiters: Hl7Delimiters = {
    field: fieldSep,
    component: encoding[0]!,
    repetition: encoding[1]!,
    escape: encoding[2]!,
    subcomponent: encoding[3]!,
  };
  const segments: Hl7Segment[] = [];
  for (const line of cleaned.split(/\r\n|\r|\n/)) {
    if (!line.trim()) continue;
    const parts = line.split(fieldSep);
    const name = parts[0]!;
    if (!/^[A-Z][A-Z0-9]{2}$/.test(name)) throw new Hl7ParseError(`invalid segment name "${name.slice(0, 8)}"`);
    // For MSH, HL7 counts the separator itself as field 1: shift so indexes match the standard.
    const fields = name === 'MSH' ? ['MSH', fieldSep, ...parts.slice(1)] : parts;
    segments.push(new Hl7Segment(name, fields, delimiters));
  }
  return { delimiters, segments };
}

function unescape(value: string, d: Hl7Delimiters): string {
  if (!value.includes(d.escape)) return value;
  const e = d.escape.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return value.replace(new RegExp(`${e}([FSTRE]|X[0-9A-Fa-f]*|\\.br)${e}`, 'g'), (_m, code: string) => {
    switch (code) {
      case 'F':
        return d.field;
      case 'S':
        return d.component;
      case 'T':
        return d.subcomponent;
      case 'R':
        return d.repetition;
      case 'E':
        return d.escape;
      case '.br':
        return '\n';
      default:
        return String.fromCharCode(...(code.slice(1).match(/../g) ?? []).map((h) => parseInt(h, 16)));
    }
  });
}

/**
 * HL7 DTM `YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]` to epoch ms. Without an offset the time is
 * the sender's local time, given as `defaultOffsetMinutes` (the station's own offset by default).
 * Some monitors write milliseconds without the dot (`20260124131539000+0800`): accepted too.
 */
export function parseHl7Timestamp(value: string, defaultOffsetMinutes: number): number | null {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.?(\d{1,4}))?([+-])?(\d{2})?(\d{2})?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', sign, oh, om] = m;
  if (sign && (!oh || !om)) return null;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : defaultOffsetMinutes;
  return utc - offset * 60_000;
}
