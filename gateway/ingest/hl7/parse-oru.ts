/**
 * IEEE PCD-01 `ORU^R01` (Communicate PCD Data) to canonical vitals. Pure: the caller decides
 * what to store and what to acknowledge.
 */
import { toCanonicalUnit, type VitalCode, type VitalValues } from '../../protocol/vitals.js';
import { MDC_UNIT_CODES, vitalForMdc } from './mdc-map.js';
import { Hl7ParseError, parseHl7, parseHl7Timestamp, type Hl7Message, type Hl7Segment } from './parse-message.js';

export type RejectCode = 'invalid_value' | 'unit_mismatch' | 'out_of_range' | 'not_a_number';

export interface RejectedValue {
  /** OBX-3 numeric code, or null when the sender gave only a reference id. */
  readonly mdcCode: number | null;
  readonly vital: VitalCode;
  readonly reason: string;
  readonly code: RejectCode;
}

/** One accepted numeric, kept with its OBX-4 containment path (which channel measured it). */
export interface AcceptedMetric {
  readonly vital: VitalCode;
  readonly value: number;
  readonly mdcCode: number | null;
  readonly containment: string;
}

export interface SendingDevice {
  /** MSH-3.1, HD namespace id (often the application or device name). */
  readonly namespaceId: string;
  /** MSH-3.2, HD universal id (often an EUI-64). */
  readonly universalId: string;
}

export interface ParsedOru {
  readonly controlId: string;
  readonly sendingDevice: SendingDevice;
  readonly patientId: string | null;
  /** Epoch ms of the measurement, or null when no timestamp in the message could be read. */
  readonly observedAt: number | null;
  readonly vitals: VitalValues;
  readonly metrics: readonly AcceptedMetric[];
  readonly rejected: readonly RejectedValue[];
  /** OBX segments that are not a usable station vital (device hierarchy rows, unknown codes, text). */
  readonly ignored: number;
}

export class UnsupportedMessageError extends Error {
  readonly code = 'HL7_UNSUPPORTED';
}

/** What an ACK needs from the received MSH, read before (and independently of) the body. */
export interface MessageHeader {
  /** MSH-3 and MSH-4 as sent (raw, still escaped), echoed into the ACK's receiver fields. */
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  /** MSH-5 and MSH-6 as sent. */
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  readonly controlId: string;
  readonly processingId: string;
  readonly version: string;
}

export function readHeader(msh: Hl7Segment): MessageHeader {
  if (msh.name !== 'MSH') throw new Hl7ParseError('message does not start with an MSH segment');
  return {
    sendingApplication: msh.raw(3),
    sendingFacility: msh.raw(4),
    receivingApplication: msh.raw(5),
    receivingFacility: msh.raw(6),
    controlId: msh.get(10),
    processingId: msh.get(11),
    version: msh.get(12),
  };
}

/** OBX-11 result statuses that carry a usable value (final, preliminary/"R" result, corrected). */
const USABLE_STATUS = new Set(['F', 'R', 'C', '']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

export function messageType(message: Hl7Message): string {
  const msh = message.segments[0]!;
  return `${msh.get(9, 1)}^${msh.get(9, 2)}`;
}

/**
 * Reads a PCD-01 ORU^R01. Throws `Hl7ParseError` for text that is not HL7 and
 * `UnsupportedMessageError` for other message types. Values without an offset are read in
 * `defaultUtcOffsetMinutes` (the station's local offset).
 */
export function parseOru(text: string | Hl7Message, defaultUtcOffsetMinutes: number): ParsedOru {
  const message = typeof text === 'string' ? parseHl7(text) : text;
  const msh = message.segments[0];
  if (!msh || msh.name !== 'MSH') throw new Hl7ParseError('message does not start with an MSH segment');
  const type = messageType(message);
  if (type !== 'ORU^R01') throw new UnsupportedMessageError(`expected ORU^R01, got ${type}`);
  const controlId = msh.get(10);
  if (!controlId) throw new Hl7ParseError('MSH-10 message control id is missing');

  const pid = message.segments.find((s) => s.name === 'PID');
  const obr = message.segments.find((s) => s.name === 'OBR');
  const vitals: Partial<Record<VitalCode, number>> = {};
  const metrics: AcceptedMetric[] = [];
  const rejected: RejectedValue[] = [];
  let ignored = 0;
  let firstObxTime: number | null = null;

  for (const obx of message.segments) {
    if (obx.name !== 'OBX') continue;
    const outcome = readObx(obx);
    if (outcome.kind === 'ignored') {
      ignored++;
      continue;
    }
    if (outcome.kind === 'rejected') {
      rejected.push(outcome.rejected);
      continue;
    }
    const { metric } = outcome;
    // The same metric from a second channel (e.g. two SpO2 sensors, OBX-4 1.3.1 and 1.3.2):
    // the first one wins; the station shows one value per vital and bed.
    if (vitals[metric.vital] !== undefined) {
      ignored++;
      continue;
    }
    vitals[metric.vital] = metric.value;
    metrics.push(metric);
    if (firstObxTime === null) firstObxTime = parseHl7Timestamp(obx.get(14), defaultUtcOffsetMinutes);
  }

  const observedAt =
    firstObxTime ??
    (obr ? parseHl7Timestamp(obr.get(7), defaultUtcOffsetMinutes) : null) ??
    parseHl7Timestamp(msh.get(7), defaultUtcOffsetMinutes);

  return {
    controlId,
    sendingDevice: { namespaceId: msh.get(3, 1), universalId: msh.get(3, 2) },
    patientId: pid?.get(3, 1, 0) || null,
    observedAt,
    vitals,
    metrics,
    rejected,
    ignored,
  };
}

type ObxOutcome =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'rejected'; readonly rejected: RejectedValue }
  | { readonly kind: 'accepted'; readonly metric: AcceptedMetric };

function readObx(obx: Hl7Segment): ObxOutcome {
  const codeText = obx.get(3, 1).trim();
  const mdcCode = /^\d+$/.test(codeText) ? Number(codeText) : null;
  const vital = vitalForMdc(mdcCode, obx.get(3, 2));
  if (!vital) return { kind: 'ignored' };
  const status = obx.get(11).trim().toUpperCase();
  const valueType = obx.get(2).trim().toUpperCase();
  const raw = obx.get(5).trim();
  const reject = (code: RejectCode, reason: string): ObxOutcome => ({ kind: 'rejected', rejected: { mdcCode, vital, reason, code } });

  // X: "results cannot be obtained for this observation" - the device says the value is invalid.
  if (status === 'X') return reject('invalid_value', `${vital} could not be obtained (status X)`);
  if (!USABLE_STATUS.has(status)) return { kind: 'ignored' };
  // PCD-01 numerics are NM; a known numeric sent as another type is read if it is a plain number.
  if (valueType !== 'NM' && !NUMBER.test(raw)) return { kind: 'ignored' };
  if (!NUMBER.test(raw)) return reject('not_a_number', `${vital} value is not a number`);

  const check = toCanonicalUnit(vital, Number(raw), unitOf(obx));
  if (!check.ok) return reject(check.code === 'not_a_number' ? 'not_a_number' : check.code, check.message);
  return { kind: 'accepted', metric: { vital, value: check.value, mdcCode, containment: obx.get(4) } };
}

/**
 * The unit spelling to look up: MDC senders put the numeric code first and the reference id
 * second (`266016^MDC_DIM_MMHG^MDC`); UCUM senders put the unit first (`mm[Hg]^mm[Hg]^UCUM`);
 * some send a bare unit (`mmHg`) or only the MDC code.
 */
function unitOf(obx: Hl7Segment): string {
  const first = obx.get(6, 1).trim();
  const second = obx.get(6, 2).trim();
  if (/^\d+$/.test(first)) return second || MDC_UNIT_CODES[Number(first)] || first;
  if (obx.get(6, 3).trim().toUpperCase() === 'UCUM') return first || second;
  return first || second;
}
