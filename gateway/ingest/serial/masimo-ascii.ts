/**
 * Masimo Radical-7 / Rad-8 / Rad-97 serial "ASCII 1" output (9600 8N1, one line a second):
 *   02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800
 * Dashes mean "no value" (never zero). EXC is a hexadecimal exception bitmask; ALARM the
 * device's own alarm bits (informational: the station raises its own alarms).
 */
import { checkVitalValue, type VitalCode, type VitalValues } from '../../protocol/vitals.js';
import type { TechnicalConditionKind } from '../../domain/device.js';

export interface SerialCondition {
  readonly kind: TechnicalConditionKind;
  readonly detail: string;
  readonly vital?: VitalCode;
}

export type SerialParse =
  | {
      readonly ok: true;
      readonly ts: number;
      readonly vitals: VitalValues;
      /** Conditions present in this line (absent ones have cleared). */
      readonly conditions: readonly SerialCondition[];
      readonly extras: Readonly<Record<string, number | string>>;
    }
  | { readonly ok: false; readonly code: 'not_this_format' | 'invalid_timestamp' | 'out_of_range'; readonly message: string };

/**
 * EXC bits, per Masimo's serial interface description (also used by open-source Rad-8 readers):
 * 0x001 no sensor, 0x002 defective sensor, 0x004 low perfusion, 0x008 pulse search,
 * 0x010 interference, 0x020 sensor off patient, 0x040 ambient light, 0x080 unrecognized sensor,
 * 0x100 and 0x200 reserved, 0x400 low signal IQ, 0x800 "Masimo SET" (normal processing mode).
 */
const EXCEPTIONS: ReadonlyArray<{ bit: number; kind: TechnicalConditionKind; detail: string; untrusted: boolean }> = [
  { bit: 0x001, kind: 'sensor_off', detail: 'no_sensor', untrusted: true },
  { bit: 0x002, kind: 'device_exception', detail: 'defective_sensor', untrusted: true },
  { bit: 0x004, kind: 'device_exception', detail: 'low_perfusion', untrusted: false },
  { bit: 0x008, kind: 'device_exception', detail: 'pulse_search', untrusted: true },
  { bit: 0x010, kind: 'device_exception', detail: 'interference', untrusted: false },
  { bit: 0x020, kind: 'sensor_off', detail: 'sensor_off_patient', untrusted: true },
  { bit: 0x040, kind: 'device_exception', detail: 'ambient_light', untrusted: false },
  { bit: 0x080, kind: 'device_exception', detail: 'unrecognized_sensor', untrusted: true },
  { bit: 0x400, kind: 'device_exception', detail: 'low_signal_iq', untrusted: false },
];
const KNOWN_BITS = EXCEPTIONS.reduce((mask, e) => mask | e.bit, 0x800 | 0x100 | 0x200);

const LINE = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\s+(.*)$/;

export function parseMasimoLine(line: string, utcOffsetMinutes: number): SerialParse {
  const m = LINE.exec(line.trim());
  if (!m) return { ok: false, code: 'not_this_format', message: 'not a Masimo ASCII 1 line' };
  const [, mo, d, yy, h, mi, s, rest] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return { ok: false, code: 'invalid_timestamp', message: 'device clock gives an impossible date' };
  }
  const ts = Date.UTC(2000 + Number(yy), month - 1, day, Number(h), Number(mi), Number(s)) - utcOffsetMinutes * 60_000;
  const fields = new Map<string, string>();
  for (const token of rest!.split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields.set(token.slice(0, eq), token.slice(eq + 1));
  }
  if (!fields.has('SPO2') || !fields.has('BPM') || !fields.has('EXC')) return { ok: false, code: 'not_this_format', message: 'Masimo line without SPO2/BPM/EXC' };
  const exc = parseInt(fields.get('EXC')!, 16);
  if (!Number.isFinite(exc)) return { ok: false, code: 'not_this_format', message: 'EXC is not hexadecimal' };

  const conditions: SerialCondition[] = [];
  let untrusted = false;
  for (const e of EXCEPTIONS) {
    if (exc & e.bit) {
      conditions.push({ kind: e.kind, detail: e.detail });
      untrusted ||= e.untrusted;
    }
  }
  const unknown = exc & ~KNOWN_BITS;
  if (unknown) conditions.push({ kind: 'device_exception', detail: `exc_0x${unknown.toString(16)}` });

  const vitals: VitalValues = {};
  // With no sensor, the sensor off the patient, or a pulse search, numbers on the line are
  // stale or meaningless: the station does not store them as truth.
  if (!untrusted) {
    for (const [field, code] of [
      ['SPO2', 'SPO2'],
      ['BPM', 'PR'],
    ] as const) {
      const raw = fields.get(field)!.replace(/%$/, '');
      if (/^-+(\.-+)?$/.test(raw)) continue;
      const check = checkVitalValue(code, Number(raw));
      if (!check.ok) return { ok: false, code: 'out_of_range', message: check.message };
      vitals[code] = check.value;
    }
  }
  const extras: Record<string, number | string> = { serial: fields.get('SN') ?? '', alarm: fields.get('ALARM') ?? '', exc: fields.get('EXC')! };
  const pi = fields.get('PI')?.replace(/%$/, '');
  if (pi && !pi.includes('-')) extras.perfusionIndex = Number(pi);
  return { ok: true, ts, vitals, conditions, extras };
}
