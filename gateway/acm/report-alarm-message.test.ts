import { describe, expect, it } from 'vitest';
import type { Alarm } from '../protocol/alarm-types.js';
import { parseHl7, type Hl7Message } from '../ingest/hl7/parse-message.js';
import { renderReportAlarm, type ReportSender } from './report-alarm-message.js';
import { parseAcmReply } from './acm-reply.js';

const SENDER: ReportSender = { sendingApplication: 'WARD_STATION', sendingFacility: 'NORTH', receivingApplication: 'ACM', receivingFacility: 'HOSP', pointOfCare: 'Ward 3' };
const AT = Date.UTC(2026, 11, 3, 10, 0, 0);

function alarm(fields: Partial<Alarm> = {}): Alarm {
  return {
    id: 'a1',
    condition: 'HR_HIGH',
    type: 'physiological',
    priority: 'high',
    state: 'active',
    inactivation: 'none',
    bedId: 'B1',
    patientId: 7,
    deviceId: 'MON-1',
    value: 142,
    limit: 120,
    worstValue: 142,
    worstAt: AT,
    startedAt: AT,
    acknowledgedBy: null,
    acknowledgedAt: null,
    ...fields,
  };
}

const PLACE = { bedLabel: 'Bed 1', patient: { mrn: 'MRN0042', name: 'Ada Lovelace', birthDate: '1815-12-10' } };

function segment(message: Hl7Message, name: string, index = 0) {
  return message.segments.filter((s) => s.name === name)[index]!;
}

describe('the Report Alarm message (ORU^R40)', () => {
  it('carries the alarm type, parameter, priority, states, patient and bed', () => {
    const text = renderReportAlarm({ alarm: alarm(), at: AT, place: PLACE }, 'start', 'CTRL1', SENDER, AT + 5);
    const message = parseHl7(text);
    const msh = segment(message, 'MSH');
    expect(msh.raw(9)).toBe('ORU^R40^ORU_R40');
    expect(msh.get(10)).toBe('CTRL1');
    expect(msh.get(21)).toBe('IHE_PCD_ACM_001');
    expect(segment(message, 'PID').get(3)).toBe('MRN0042');
    expect(segment(message, 'PID').get(7)).toBe('18151210');
    expect(segment(message, 'PV1').get(3, 1)).toBe('Ward 3');
    expect(segment(message, 'PV1').get(3, 3)).toBe('Bed 1');
    expect(segment(message, 'OBR').get(4, 2)).toBe('MDC_EVT_ALARM');
    expect(segment(message, 'OBR').get(3)).toBe('a1');

    const [type, source, phase, state, inactivation] = message.segments.filter((s) => s.name === 'OBX');
    expect(type!.raw(3)).toBe('196648^MDC_EVT_HI^MDC');
    expect(type!.raw(8)).toBe('PH~SP~H');
    expect(source!.raw(3)).toBe('147842^MDC_ECG_HEART_RATE^MDC');
    expect(source!.get(5)).toBe('142');
    expect(phase!.get(3, 2)).toBe('MDC_ATTR_EVENT_PHASE');
    expect(phase!.get(5)).toBe('start');
    expect(state!.get(5)).toBe('active');
    expect(inactivation!.get(5)).toBe('enabled');
  });

  it('maps low limits, medium and low priorities, latched and acknowledged alarms', () => {
    const text = renderReportAlarm({ alarm: alarm({ condition: 'SPO2_LOW', priority: 'medium', state: 'latched', inactivation: 'acknowledged', value: 85, limit: 90 }), at: AT, place: PLACE }, 'update', 'C2', SENDER, AT);
    const obx = parseHl7(text).segments.filter((s) => s.name === 'OBX');
    expect(obx[0]!.raw(3)).toBe('196670^MDC_EVT_LO^MDC');
    expect(obx[0]!.raw(8)).toBe('PM~SP~L');
    expect(obx[1]!.get(3)).toBe('150456');
    expect(obx[3]!.get(5)).toBe('latched');
    expect(obx[4]!.get(5)).toBe('alert-acknowledged');
    // An update points back at the alarm it updates.
    expect(segment(parseHl7(text), 'OBR').get(29, 2)).toBe('a1');
  });

  it('sends a technical alarm as MDC_EVT_ALARM with the station condition as a local code', () => {
    const text = renderReportAlarm({ alarm: alarm({ condition: 'DEVICE_OFFLINE', type: 'technical', priority: 'low', value: null, limit: null }), at: AT, place: { bedLabel: null, patient: null } }, 'end', 'C3', SENDER, AT);
    const obx = parseHl7(text).segments.filter((s) => s.name === 'OBX');
    expect(obx).toHaveLength(4);
    expect(obx[0]!.get(3, 1)).toBe('196616');
    expect(obx[0]!.get(3, 4)).toBe('DEVICE_OFFLINE');
    expect(obx[0]!.raw(8)).toBe('PL~ST');
    expect(obx[1]!.get(5)).toBe('end');
    expect(segment(parseHl7(text), 'PV1').get(3, 3)).toBe('B1');
  });

  it('escapes HL7 delimiters in names and labels instead of breaking the message', () => {
    const text = renderReportAlarm({ alarm: alarm(), at: AT, place: { bedLabel: 'Bed|1^A', patient: { mrn: 'M&1', name: 'O~Brien', birthDate: null } } }, 'start', 'C4', SENDER, AT);
    const message = parseHl7(text);
    expect(segment(message, 'PV1').get(3, 3)).toBe('Bed|1^A');
    expect(segment(message, 'PID').get(3)).toBe('M&1');
    expect(segment(message, 'PID').get(5)).toBe('O~Brien');
  });
});

describe('replies from the ACM', () => {
  it('reads an ACK with its code and control id', () => {
    expect(parseAcmReply('MSH|^~\\&|ACM||WS||20261203||ACK^R40^ACK|9|P|2.6\rMSA|AE|C1|busy\r')).toEqual({ kind: 'ack', code: 'AE', controlId: 'C1', text: 'busy' });
  });

  it('reads an ORA^R41 status from its OBX, else from MSA-3, else from the MSA code', () => {
    const withObx = parseAcmReply('MSH|^~\\&|ACM||WS||20261203||ORA^R41^ORA_R41|9|P|2.6\rMSA|AA|C1\rOBX|1|ST|ALERT_STATUS||Read at endpoint\r');
    expect(withObx).toMatchObject({ kind: 'status', controlId: 'C1', status: 'read' });
    expect(parseAcmReply('MSH|^~\\&|ACM||WS||20261203||ORA^R41|9|P|2.6\rMSA|AA|C1|Undeliverable to endpoint\r')).toMatchObject({ status: 'undeliverable' });
    expect(parseAcmReply('MSH|^~\\&|ACM||WS||20261203||ORA^R41|9|P|2.6\rMSA|AA|C1\r')).toMatchObject({ status: 'accepted' });
  });

  it('treats anything else as other, including text that is not HL7', () => {
    expect(parseAcmReply('hello')).toMatchObject({ kind: 'other' });
    expect(parseAcmReply('MSH|^~\\&|ACM||WS||20261203||ADT^A01|9|P|2.6\r')).toMatchObject({ kind: 'other', messageType: 'ADT^A01' });
  });
});
