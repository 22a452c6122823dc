/**
 * The IHE PCD-04 Report Alarm message (`ORU^R40`) for one station alarm event. Pure: the text is
 * rendered once, stored in the outbox and resent byte for byte, so an ACM that saw a message
 * before (a retry after a lost ACK) recognises it by its MSH-10.
 */
import { escapeHl7Text, formatHl7Timestamp } from '../ingest/hl7/ack.js';
import { PRIORITY_WIRE, type Alarm } from '../protocol/alarm-types.js';
import { VITALS } from '../protocol/vitals.js';
import {
  ALARM_STATE,
  ALERT_TYPE,
  alarmKind,
  EVENT_PHASE,
  INACTIVATION_STATE,
  MDC_ATTR_ALARM_INACTIVATION_STATE,
  MDC_ATTR_ALARM_STATE,
  MDC_ATTR_EVENT_PHASE,
  MDC_EVT_ALARM,
  type MdcCode,
  type ReportPhase,
} from './acm-mapping.js';

/** Who the alarm is about and where: read from the ward when the event is forwarded. */
export interface AlarmPlace {
  readonly bedLabel: string | null;
  readonly patient: { readonly mrn: string; readonly name: string; readonly birthDate: string | null } | null;
}

/** An alarm as it is reported: its state at the event and its place. Stored for escalation. */
export interface AlarmReport {
  readonly alarm: Alarm;
  readonly at: number;
  readonly place: AlarmPlace;
}

export interface ReportSender {
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  /** PV1-3.1, the point of care (the ward). */
  readonly pointOfCare: string;
}

/** The IHE PCD ACM message profile identifier (MSH-21). */
const ACM_PROFILE = 'IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.4^ISO';
const LOCAL_CODING_SYSTEM = '99WARD';

export function renderReportAlarm(report: AlarmReport, phase: ReportPhase, controlId: string, sender: ReportSender, now: number): string {
  const { alarm, place } = report;
  const kind = alarmKind(alarm.condition);
  const e = escapeHl7Text;
  const ts = formatHl7Timestamp;
  const msh = ['MSH', '^~\\&', e(sender.sendingApplication), e(sender.sendingFacility), e(sender.receivingApplication), e(sender.receivingFacility), ts(now), '', 'ORU^R40^ORU_R40', controlId, 'P', '2.6', '', '', 'AL', 'NE', '', 'UNICODE UTF-8', '', '', ACM_PROFILE];
  const patient = place.patient;
  const pid = ['PID', '', '', patient ? `${e(patient.mrn)}^^^${e(sender.sendingFacility)}^MR` : '', '', patient ? e(patient.name) : '', '', patient?.birthDate ? patient.birthDate.replace(/-/g, '') : ''];
  const pv1 = ['PV1', '', 'I', `${e(sender.pointOfCare)}^^${e(place.bedLabel ?? alarm.bedId ?? '')}^${e(sender.sendingFacility)}`];
  // OBR-2/3: the alarm's identity, the same for all its messages; OBR-29 points back at it.
  const alarmRef = `${e(alarm.id)}^${e(sender.sendingApplication)}`;
  const obr = fill(['OBR', '1', alarmRef, alarmRef, cwe(MDC_EVT_ALARM), '', '', ts(alarm.startedAt)], 29);
  if (phase !== 'start') obr[29] = `^${e(alarm.id)}&${e(sender.sendingApplication)}`;

  const subId = `1.0.0.${kind.parameter?.code ?? 0}`;
  const interpretation = [PRIORITY_WIRE[alarm.priority], ALERT_TYPE[alarm.type], ...(kind.abnormality ? [kind.abnormality] : [])].join('~');
  const eventCode = kind.parameter ? cwe(kind.event) : `${cwe(kind.event)}^${e(alarm.condition)}^${e(alarm.condition)}^${LOCAL_CODING_SYSTEM}`;
  const at = ts(report.at);
  const obx: string[][] = [['OBX', '', 'ST', eventCode, `${subId}.1`, e(alarmText(alarm)), '', '', interpretation, '', '', 'F', '', '', at]];
  if (kind.parameter) {
    const unit = VITALS[kind.parameter.vital].unit;
    const range = alarm.limit === null ? '' : kind.abnormality === 'H' ? `<${alarm.limit}` : `>${alarm.limit}`;
    obx.push(['OBX', '', 'NM', cwe(kind.parameter), `${subId}.2`, alarm.value === null ? '' : String(alarm.value), `${e(unit)}^${e(unit)}^UCUM`, range, kind.abnormality ?? '', '', '', 'F', '', '', at]);
  }
  obx.push(['OBX', '', 'ST', cwe(MDC_ATTR_EVENT_PHASE), `${subId}.3`, EVENT_PHASE[phase], '', '', '', '', '', 'F']);
  obx.push(['OBX', '', 'ST', cwe(MDC_ATTR_ALARM_STATE), `${subId}.4`, ALARM_STATE[alarm.state], '', '', '', '', '', 'F']);
  obx.push(['OBX', '', 'ST', cwe(MDC_ATTR_ALARM_INACTIVATION_STATE), `${subId}.5`, INACTIVATION_STATE[alarm.inactivation], '', '', '', '', '', 'F']);
  obx.forEach((segment, i) => (segment[1] = String(i + 1)));
  return [msh, pid, pv1, obr, ...obx].map((segment) => segment.join('|')).join('\r') + '\r';
}

/** Alarm text for a pager: the condition, value and limit; never a name (pagers are read in corridors). */
function alarmText(alarm: Alarm): string {
  const kind = alarmKind(alarm.condition);
  if (!kind.parameter) return alarm.condition.replace(/_/g, ' ');
  const label = VITALS[kind.parameter.vital].label;
  const direction = kind.abnormality === 'H' ? 'high' : 'low';
  const value = alarm.value === null ? '' : ` ${alarm.value}${alarm.limit === null ? '' : ` (limit ${alarm.limit})`}`;
  return `${label} ${direction}${value}`;
}

function cwe(code: MdcCode): string {
  return `${code.code}^${code.refId}^MDC`;
}

function fill(fields: string[], last: number): string[] {
  while (fields.length <= last) fields.push('');
  return fields;
}
