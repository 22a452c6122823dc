/**
 * HL7 v2 acknowledgements (original mode): MSA-2 echoes MSH-10, the sender's application and
 * facility become the receiver's. AE/AR carry the reason in MSA-3 and in an ERR segment.
 */
import { randomUUID } from 'node:crypto';
import type { MessageHeader } from './parse-oru.js';

export type AckCode = 'AA' | 'AE' | 'AR';

/** HL7 table 0357 (message error condition codes) entries we use in ERR-3. */
export const HL7_ERROR = {
  unsupportedMessageType: { code: '200', text: 'Unsupported message type' },
  unknownKey: { code: '204', text: 'Unknown key identifier' },
  dataTypeError: { code: '102', text: 'Data type error' },
  applicationError: { code: '207', text: 'Application error' },
} as const;

export type Hl7ErrorCondition = (typeof HL7_ERROR)[keyof typeof HL7_ERROR];

/** HL7 v2.6 maximum lengths of an HD field (MSH-3 to MSH-6) and of MSH-10. */
const MAX_HD_CHARS = 227;
const MAX_CONTROL_ID_CHARS = 199;

const STATION_APPLICATION = 'WARD_STATION';
const STATION_FACILITY = 'WARD';

/** HL7 DTM for an instant, in UTC with an explicit offset (receivers then need no time zone). */
export function formatHl7Timestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`;
}

/** Escapes free text for an HL7 field with the default encoding characters `^~\&`. */
export function escapeHl7Text(text: string): string {
  return text
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/[\r\n]+/g, ' ');
}

export interface AckOptions {
  /** ERR-3 condition; defaults to 200 for AR and 207 for AE. */
  readonly error?: Hl7ErrorCondition;
  readonly now?: number;
  readonly controlId?: string;
  /** MSH-9 of the ACK; defaults to the PCD-01 answer `ACK^R01^ACK`. */
  readonly messageType?: string;
}

/**
 * Builds the ACK text (unframed, segments separated by CR). `header` is what could be read from
 * the received MSH; for an unreadable message pass `{}` and MSA-2 stays empty.
 */
export function buildAck(header: Partial<MessageHeader>, code: AckCode, reason?: string, options: AckOptions = {}): string {
  // Echoed fields are cut to HL7's own maximum lengths: an ACK never amplifies what it answers.
  const msh = [
    'MSH',
    '^~\\&',
    (header.receivingApplication || STATION_APPLICATION).slice(0, MAX_HD_CHARS),
    (header.receivingFacility || STATION_FACILITY).slice(0, MAX_HD_CHARS),
    (header.sendingApplication ?? '').slice(0, MAX_HD_CHARS),
    (header.sendingFacility ?? '').slice(0, MAX_HD_CHARS),
    formatHl7Timestamp(options.now ?? Date.now()),
    '',
    options.messageType ?? 'ACK^R01^ACK',
    options.controlId ?? randomUUID().replace(/-/g, '').slice(0, 20),
    (header.processingId || 'P').slice(0, 3),
    '2.6',
  ].join('|');
  const controlId = escapeHl7Text((header.controlId ?? '').slice(0, MAX_CONTROL_ID_CHARS));
  if (code === 'AA') return `${msh}\rMSA|AA|${controlId}\r`;
  const text = escapeHl7Text(reason ?? 'rejected').slice(0, 200);
  const condition = options.error ?? (code === 'AR' ? HL7_ERROR.unsupportedMessageType : HL7_ERROR.applicationError);
  const err = ['ERR', '', '', `${condition.code}^${condition.text}^HL70357`, 'E', '', '', '', text].join('|');
  return `${msh}\rMSA|${code}|${controlId}|${text}\r${err}\r`;
}
