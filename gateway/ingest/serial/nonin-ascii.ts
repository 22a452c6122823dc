/**
 * Nonin ASCII serial output (e.g. `SPO2=097 HR=072`, 9600 8N1, one line a second). Missing values
 * are dashes (`SPO2=--- HR=---`), sent while the finger is out of the sensor. Nonin's "HR" is a
 * pulse rate measured by the oximeter: it is stored as PR, never as the ECG heart rate.
 */
import { checkVitalValue, type VitalValues } from '../../protocol/vitals.js';
import type { SerialCondition, SerialParse } from './masimo-ascii.js';

const LINE = /^SPO2=(\d{1,3}|-{1,3})\s+HR=(\d{1,3}|-{1,3})\s*$/i;

export function parseNoninLine(line: string, receivedAt: number): SerialParse {
  const m = LINE.exec(line.trim());
  if (!m) return { ok: false, code: 'not_this_format', message: 'not a Nonin ASCII line' };
  const vitals: VitalValues = {};
  const conditions: SerialCondition[] = [];
  const [, spo2, hr] = m;
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
  // The format carries no clock: the station stamps the line when it arrives.
  return { ok: true, ts: receivedAt, vitals, conditions, extras: {} };
}
