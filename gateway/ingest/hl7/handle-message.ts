/**
 * One received HL7 message in, one ACK out. The rules of what is stored and what is
 * acknowledged live here; framing and sockets live in the MLLP channel.
 */
import type { DeviceDirectory, RegisteredDevice } from '../../domain/device.js';
import type { IngestSink } from '../../domain/ingest-sink.js';
import { buildAck, HL7_ERROR } from './ack.js';
import type { ClockFaults } from '../clock-faults.js';
import { Hl7ParseError, parseHl7, type Hl7Message } from './parse-message.js';
import { parseOru, readHeader, UnsupportedMessageError, type MessageHeader, type SendingDevice } from './parse-oru.js';

export interface Hl7Context {
  readonly directory: DeviceDirectory;
  readonly sink: IngestSink;
  readonly defaultUtcOffsetMinutes: number;
  /** The station clock: receipt time, and the time for messages that carry no readable timestamp (tests inject one). */
  readonly now?: () => number;
  /** Applies the device-time rule and reports clock faults; shared by the transport's connections. */
  readonly clockFaults?: ClockFaults;
}

export interface Hl7Outcome {
  readonly ack: string;
  /** The registered device that sent the message, once identified (drives connection state). */
  readonly deviceId: string | null;
  /** The text was not HL7 at all (noise that happened to be framed): counts against the framing budget. */
  readonly unreadable?: boolean;
}

/**
 * Handles one HL7 message and returns the ACK to send back (unframed). `AA` only after the data
 * is durably stored (or found to be a duplicate of stored data: a resent message is acknowledged
 * again and stored once); `AR` when the message is unreadable, not an ORU^R01 or from an unknown
 * device (nothing stored); `AE` when it was readable but not storable (patient mismatch, no
 * usable numerics, storage failure).
 *
 * A message with some valid and some invalid values is acknowledged `AA`: the valid values were
 * stored, and a negative ACK would make the sender resend values the station already has (or stop
 * sending). The invalid ones are reported as technical conditions, so the nurse sees them.
 */
export async function handleHl7Message(raw: string, ctx: Hl7Context): Promise<string> {
  return (await processHl7Message(raw, ctx)).ack;
}

/** As `handleHl7Message`, also naming the device that sent the message. */
export async function processHl7Message(raw: string, ctx: Hl7Context): Promise<Hl7Outcome> {
  let message: Hl7Message;
  let header: Partial<MessageHeader>;
  try {
    message = parseHl7(raw);
    header = readHeader(message.segments[0]!);
  } catch (error) {
    ctx.sink.rejected(null, 'hl7', 'unreadable');
    return { deviceId: null, unreadable: true, ack: buildAck(headerOfFirstLine(raw), 'AR', reasonOf(error), { error: HL7_ERROR.dataTypeError }) };
  }
  let parsed;
  try {
    parsed = parseOru(message, ctx.defaultUtcOffsetMinutes);
  } catch (error) {
    const unsupported = error instanceof UnsupportedMessageError;
    ctx.sink.rejected(null, 'hl7', unsupported ? 'unsupported_message' : 'unreadable');
    return { deviceId: null, ack: buildAck(header, 'AR', reasonOf(error), { error: unsupported ? HL7_ERROR.unsupportedMessageType : HL7_ERROR.dataTypeError }) };
  }
  const device = findDevice(ctx.directory, parsed.sendingDevice);
  if (!device) {
    ctx.sink.rejected(null, 'hl7', 'unknown_device');
    return { deviceId: null, ack: buildAck(header, 'AR', 'unknown device: register MSH-3 with the station first', { error: HL7_ERROR.unknownKey }) };
  }
  if (parsed.patientId && device.patientMrn && parsed.patientId !== device.patientMrn) {
    // Never merge one patient's data into another's chart: the monitor is on the wrong bed or
    // the admission is stale; a person has to sort it out.
    ctx.sink.rejected(device.id, 'hl7', 'patient_mismatch');
    return { deviceId: device.id, ack: buildAck(header, 'AE', 'patient mismatch: PID-3 is not the patient admitted to this bed') };
  }

  const reportRejections = () => {
    for (const r of parsed.rejected) {
      ctx.sink.rejected(device.id, 'hl7', r.code);
      ctx.sink.technical({ deviceId: device.id, kind: 'invalid_value', active: true, vital: r.vital, detail: r.code });
    }
  };
  if (Object.keys(parsed.vitals).length === 0) {
    reportRejections();
    const reasons = parsed.rejected.map((r) => r.reason).join('; ');
    return { deviceId: device.id, ack: buildAck(header, 'AE', reasons || 'no supported numeric observations') };
  }
  const receivedAt = (ctx.now ?? Date.now)();
  if (parsed.observedAt !== null && ctx.clockFaults && !ctx.clockFaults.check(device.id, parsed.observedAt, receivedAt)) {
    // Nothing stored: filed at a wrong time it would mislead; the sender keeps it until its clock is right.
    return { deviceId: device.id, ack: buildAck(header, 'AE', 'device clock fault: the observation time is more than 5 min ahead of or 30 days behind the station clock') };
  }
  let outcome;
  try {
    outcome = await ctx.sink.store({
      deviceId: device.id,
      seq: null,
      messageId: parsed.controlId,
      ts: parsed.observedAt ?? receivedAt,
      vitals: parsed.vitals,
    });
  } catch {
    return { deviceId: device.id, ack: buildAck(header, 'AE', 'storage failure; resend later') };
  }
  // A resent message was counted the first time; do not count its rejections twice.
  if (outcome === 'stored') reportRejections();
  return { deviceId: device.id, ack: buildAck(header, 'AA') };
}

/** MSH-3 component 1 first (the name most gateways register), then component 2 (EUI-64). */
function findDevice(directory: DeviceDirectory, sender: SendingDevice): RegisteredDevice | undefined {
  for (const id of [sender.namespaceId, sender.universalId]) {
    const device = id ? directory.findById(id) : undefined;
    if (device) return device;
  }
  return undefined;
}

/** Best effort for an ACK to an unreadable message: the MSH line alone may still be fine. */
function headerOfFirstLine(raw: string): Partial<MessageHeader> {
  try {
    const firstLine = raw.replace(/^\uFEFF/, '').trimStart().split(/\r\n|\r|\n/)[0] ?? '';
    return readHeader(parseHl7(firstLine).segments[0]!);
  } catch {
    return {};
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Hl7ParseError || error instanceof UnsupportedMessageError ? error.message : 'unreadable message';
}
