import { describe, expect, it } from 'vitest';
import { buildAck, HL7_ERROR } from './ack.js';
import { parseHl7 } from './parse-message.js';
import { readHeader } from './parse-oru.js';

const header = readHeader(
  parseHl7('MSH|^~\\&|MON^0123^EUI-64|ICU|STATION_APP|WARD_7|20261124101500||ORU^R01^ORU_R01|C42|P|2.6').segments[0]!,
);
const NOW = Date.UTC(2026, 10, 24, 10, 15, 1);

describe('buildAck', () => {
  it('AA: echoes MSH-10 and swaps sender and receiver', () => {
    const ack = buildAck(header, 'AA', undefined, { now: NOW, controlId: 'A1' });
    expect(ack).toBe('MSH|^~\\&|STATION_APP|WARD_7|MON^0123^EUI-64|ICU|20261124101501+0000||ACK^R01^ACK|A1|P|2.6\rMSA|AA|C42\r');
  });

  it('AE: reason in MSA-3 and ERR, escaped', () => {
    const [msh, msa, err] = buildAck({ ...header, receivingApplication: '', receivingFacility: '' }, 'AE', 'patient mismatch | check', { now: NOW }).trim().split('\r');
    expect(msh!.split('|').slice(2, 6)).toEqual(['WARD_STATION', 'WARD', 'MON^0123^EUI-64', 'ICU']);
    expect(msa).toBe('MSA|AE|C42|patient mismatch \\F\\ check');
    expect(err).toBe('ERR|||207^Application error^HL70357|E||||patient mismatch \\F\\ check');
  });

  it('AR for an unreadable message: MSA-2 empty, chosen error condition', () => {
    const ack = buildAck({}, 'AR', 'bad', { now: NOW, error: HL7_ERROR.dataTypeError });
    const segments = ack.split('\r');
    expect(segments[1]).toBe('MSA|AR||bad');
    expect(segments[2]).toMatch(/^ERR\|\|\|102\^Data type error\^HL70357\|E\|/);
    expect(ack.endsWith('\r')).toBe(true);
    expect(ack.includes('\n')).toBe(false);
  });

  it('never echoes more than HL7 allows: a hostile header cannot make the ACK larger than the limits', () => {
    const huge = 'x'.repeat(100_000);
    const ack = buildAck({ sendingApplication: huge, sendingFacility: huge, receivingApplication: huge, receivingFacility: huge, controlId: huge, processingId: huge }, 'AE', huge, { now: NOW });
    expect(ack.length).toBeLessThan(2000);
  });
});
