/**
 * What an ACM sends back on the forwarding connection, read into plain values (pure): the
 * commit acknowledgement of a Report Alarm (`ACK`, MSA-1 AA/AE/AR, MSA-2 = our MSH-10) and,
 * later, Report Alarm Status updates (`ORA^R41`) saying what became of the alarm at the
 * recipient: delivered, read, accepted, rejected...
 */
import { readHeader, type MessageHeader } from '../ingest/hl7/parse-oru.js';
import { parseHl7 } from '../ingest/hl7/parse-message.js';

export type AckCode = 'AA' | 'AE' | 'AR';

/** Dissemination statuses the station understands; anything else is kept as `other`. */
export const ALARM_STATUSES = ['received', 'delivered', 'undeliverable', 'read', 'accepted', 'rejected', 'cancelled', 'other'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

export type AcmReply =
  | { readonly kind: 'ack'; readonly code: AckCode; readonly controlId: string; readonly text: string }
  | { readonly kind: 'status'; readonly header: MessageHeader; readonly controlId: string; readonly status: AlarmStatus; readonly detail: string }
  | { readonly kind: 'other'; readonly header: MessageHeader | null; readonly messageType: string };

const MAX_DETAIL_CHARS = 200;

export function parseAcmReply(text: string): AcmReply {
  let message;
  try {
    message = parseHl7(text);
  } catch {
    return { kind: 'other', header: null, messageType: '' };
  }
  const msh = message.segments[0]!;
  const header = readHeader(msh);
  const type = msh.get(9, 1);
  const trigger = msh.get(9, 2);
  const msa = message.segments.find((s) => s.name === 'MSA');
  if (type === 'ACK' && msa) {
    const code = msa.get(1);
    if (code === 'AA' || code === 'AE' || code === 'AR' || code === 'CA' || code === 'CE' || code === 'CR') {
      // Enhanced-mode commit codes mean the same to a sender waiting to move on.
      return { kind: 'ack', code: `A${code[1]}` as AckCode, controlId: msa.get(2), text: msa.get(3).slice(0, MAX_DETAIL_CHARS) };
    }
  }
  if (type === 'ORA' && trigger === 'R41' && msa) {
    // The status is in an OBX when the ACM sends one; else in MSA-3; else the MSA code says it.
    const obx = message.segments.find((s) => s.name === 'OBX' && s.get(5) !== '');
    const said = obx?.get(5) || msa.get(3);
    const status = said ? statusOf(said) : msa.get(1) === 'AA' ? 'accepted' : 'rejected';
    return { kind: 'status', header, controlId: msa.get(2), status, detail: said.slice(0, MAX_DETAIL_CHARS) };
  }
  return { kind: 'other', header, messageType: [type, trigger].filter(Boolean).join('^') };
}

/** Reads a status word from free text ("Delivered to endpoint", "read", "ACCEPTED by user"). */
function statusOf(text: string): AlarmStatus {
  const lower = text.toLowerCase();
  // Order matters: "undeliverable" contains "deliver".
  for (const status of ['undeliverable', 'delivered', 'received', 'read', 'accepted', 'rejected', 'cancelled'] as const) {
    if (lower.includes(status === 'cancelled' ? 'cancel' : status === 'delivered' ? 'deliver' : status === 'rejected' ? 'reject' : status === 'accepted' ? 'accept' : status)) return status;
  }
  return 'other';
}
