/**
 * Nonin ASCII serial output (9600 baud, one line a second). The variants Nonin's manuals
 * document (Avant 4000/4100/9600, 2500, 8500, 8600V, 9847):
 *
 *   SPO2=097 HR=072            standard
 *   SPO2=097 HR=072 F          fast-responding values (DIP switch 8 up)
 *   SPO2=097 HR=072*           event marker (ON/STANDBY pressed)
 *   10:41:07 SPO2=097 HR=072   with the device's clock (time of day only, no date)
 *   ... B                      a breath was detected in the interval (9847)
 *   SPO2=--- HR=---            no data: the finger is out of the sensor
 *
 * Status characters may be combined (`F*`). Nonin's "HR" is a pulse rate measured by the
 * oximeter: it is stored as PR, never as the ECG heart rate.
 */
import { checkVitalValue, type VitalValues } from '../../protocol/vitals.js';
import type { SerialCondition, SerialParse } from './masimo-ascii.js';

const LINE = /^(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\s+)?SPO2=(\d{1,3}|-{1,3})\s+HR=(\d{1,3}|-{1,3})\s*([FB*]{0,3})$/i;
const STATUS: Readonly<Record<string, 'fast' | 'breath' | 'event'>> = { F: 'fast', B: 'breath', '*': 'event' };

export function parseNoninLine(line: string, receivedAt: number): SerialParse {
  const m = LINE.exec(line.trim());
  if (!m) return { ok: false, code: 'not_this_format', message: 'not a Nonin ASCII line' };
  const [, spo2, hr, status] = m;
  const extras: Record<string, number> = {};
  for (const char of status!.toUpperCase()) {
    const name = STATUS[char]!;
    // Each status character at most once: "FF" is line noise, not a status.
    if (extras[name]) return { ok: false, code: 'not_this_format', message: 'repeated Nonin status character' };
    extras[name] = 1;
  }
  const vitals: VitalValues = {};
  const conditions: SerialCondition[] = [];
  if (spo2!.startsWith('-') && hr!.startsWith('-')) conditions.push({ kind: 'sensor_off', detail: 'no_values' });
  for (const [raw, code] of [
    [spo2!, 'SPO2'],
    [hr!, 'PR'],
  ] as const) {
    if (raw.startsWith('-')) continue;
    const check = checkVitalValue(code, Number(raw));
    if (!check.ok) return { ok: false, code: 'out_of_range', message: check.message };
    vitals[code] = check.value;
  }
  // The clock prefix, where present, has no date: the station stamps the line when it arrives.
  return { ok: true, ts: receivedAt, vitals, conditions, extras };
}
