/**
 * The WebSocket device protocol (`ws://HOST:7400/devices`), pure: shared by the gateway, the demo
 * monitors and any integrator's client. See the README for the contract.
 */
import { Type, type Static } from '@sinclair/typebox';
import { checkVitalValue, isVitalCode, type VitalCode, type VitalValues } from './vitals.js';
import { deviceClockFault, type ClockFault } from './device-time.js';

/** Every `code` an error frame may carry, so an integrator can handle each one. */
export const DEVICE_ERROR_CODES = [
  'invalid_json',
  'invalid_frame',
  'unknown_type',
  'invalid_seq',
  'invalid_ts',
  'ts_out_of_bounds',
  'unknown_vital',
  'not_a_number',
  'out_of_range',
  'no_valid_vitals',
  'frame_too_large',
  'storage_unavailable',
] as const;

export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

/**
 * Device → station: one measurement. The schema states the frame's shape for integrators;
 * `parseDeviceFrame` applies it value by value, so one bad vital does not cost the others.
 */
export const ObsFrame = Type.Object({
  type: Type.Literal('obs'),
  seq: Type.Integer({ minimum: 0 }),
  ts: Type.Union([Type.Number({ description: 'epoch milliseconds' }), Type.String({ description: 'ISO-8601 with an explicit offset' })]),
  vitals: Type.Record(Type.String(), Type.Number(), { description: 'canonical code → value in its fixed unit' }),
});
export type ObsFrame = Static<typeof ObsFrame>;

/** Station → device: every frame of this device up to and including `seq` is durably stored. */
export const AckFrame = Type.Object({ type: Type.Literal('ack'), seq: Type.Integer({ minimum: 0 }) });
export type AckFrame = Static<typeof AckFrame>;

/** Station → device: a frame (or some of its values) refused, and why. */
export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  seq: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  code: Type.Union(DEVICE_ERROR_CODES.map((code) => Type.Literal(code))),
  message: Type.String({ maxLength: 300 }),
});
export type ErrorFrame = Static<typeof ErrorFrame>;

export interface RejectedVital {
  readonly vital: string;
  readonly code: 'unknown_vital' | 'not_a_number' | 'out_of_range';
  readonly message: string;
}

export type ParsedFrame =
  | { readonly ok: true; readonly seq: number; readonly ts: number; readonly vitals: VitalValues; readonly rejected: readonly RejectedVital[] }
  | { readonly ok: false; readonly seq: number | null; readonly code: DeviceErrorCode; readonly message: string; readonly rejected?: readonly RejectedVital[]; readonly clockFault?: ClockFault };

export { MAX_FUTURE_SKEW_MS, MAX_AGE_MS } from './device-time.js';

/** Rejected values named in one error message; the rest are counted. */
const NAMED_REJECTIONS = 3;
/** No error message is longer than this: a reply must never amplify the frame it answers. */
export const MAX_ERROR_MESSAGE_CHARS = 300;

/** "6000 values rejected: <first three>; and 5997 more" — bounded whatever the frame held. */
export function describeRejected(rejected: readonly RejectedVital[]): string {
  const named = rejected.slice(0, NAMED_REJECTIONS).map((r) => r.message);
  if (rejected.length <= NAMED_REJECTIONS) return named.join('; ');
  return `${rejected.length} values rejected: ${named.join('; ')}; and ${rejected.length - NAMED_REJECTIONS} more`;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseTimestamp(ts: unknown): number | null {
  if (typeof ts === 'number') return Number.isFinite(ts) ? Math.trunc(ts) : null;
  if (typeof ts === 'string' && ISO_WITH_OFFSET.test(ts)) {
    const ms = Date.parse(ts);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

/**
 * Validates one text frame. Structural faults reject the whole frame. Faults of single values
 * (unknown code, not a number, impossible value) reject only those values: the others are still
 * stored and still reach the alarms, because a bad SpO2 probe must not hide the heart rate.
 */
export function parseDeviceFrame(text: string, now: number): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, seq: null, code: 'invalid_json', message: 'frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, seq: null, code: 'invalid_frame', message: 'frame must be a JSON object' };
  }
  const frame = raw as Record<string, unknown>;
  const seq = frame.seq;
  const seqOrNull = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : null;
  if (frame.type !== 'obs') {
    return { ok: false, seq: seqOrNull, code: 'unknown_type', message: `unknown frame type ${JSON.stringify(frame.type)?.slice(0, 40) ?? 'undefined'}; devices send "obs"` };
  }
  if (seqOrNull === null) {
    return { ok: false, seq: null, code: 'invalid_seq', message: 'seq must be a non-negative integer' };
  }
  const ts = parseTimestamp(frame.ts);
  if (ts === null) {
    return { ok: false, seq: seqOrNull, code: 'invalid_ts', message: 'ts must be epoch milliseconds or ISO-8601 with an offset' };
  }
  const clockFault = deviceClockFault(ts, now);
  if (clockFault) {
    return { ok: false, seq: seqOrNull, code: 'ts_out_of_bounds', clockFault, message: `ts is ${clockFault === 'ahead' ? 'more than 5 min ahead of' : 'more than 30 days behind'} the station clock; check the device clock` };
  }
  const vitals = frame.vitals;
  if (typeof vitals !== 'object' || vitals === null || Array.isArray(vitals)) {
    return { ok: false, seq: seqOrNull, code: 'invalid_frame', message: 'vitals must be an object of code: number' };
  }
  const accepted: VitalValues = {};
  const rejected: RejectedVital[] = [];
  let count = 0;
  for (const key in vitals) {
    const value = (vitals as Record<string, unknown>)[key];
    if (!isVitalCode(key)) {
      rejected.push({ vital: key.slice(0, 32), code: 'unknown_vital', message: `unknown vital code "${key.slice(0, 32)}"` });
      continue;
    }
    const check = checkVitalValue(key, value);
    if (check.ok) {
      accepted[key as VitalCode] = check.value;
      count++;
    } else {
      rejected.push({ vital: key, code: check.code === 'unit_mismatch' ? 'not_a_number' : check.code, message: check.message });
    }
  }
  if (count === 0) {
    return {
      ok: false,
      seq: seqOrNull,
      code: rejected[0]?.code ?? 'no_valid_vitals',
      message: rejected.length ? describeRejected(rejected) : 'frame has no vitals',
      rejected,
    };
  }
  return { ok: true, seq: seqOrNull, ts, vitals: accepted, rejected };
}
