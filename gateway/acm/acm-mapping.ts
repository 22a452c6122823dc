/**
 * How the station's alarm model maps onto the IHE PCD ACM vocabulary of a Report Alarm
 * (ORU^R40). Pure data; the README's mapping table is this file in prose.
 *
 * Event codes are IEEE 11073-10101 partition 3 (events, base 196608): MDC_EVT_ALARM is the
 * generic alarm, MDC_EVT_HI / MDC_EVT_LO a value beyond its high / low limit. Parameter codes
 * come from the station's own vital vocabulary (`protocol/vitals.ts`), the same codes HL7 ingest
 * reads.
 */
import type { AlarmInactivation, AlarmPhase, AlarmState, AlarmType } from '../protocol/alarm-types.js';
import { isVitalCode, VITALS, type VitalCode } from '../protocol/vitals.js';

export interface MdcCode {
  readonly code: number;
  readonly refId: string;
}

export const MDC_EVT_ALARM: MdcCode = { code: 196616, refId: 'MDC_EVT_ALARM' };
export const MDC_EVT_HI: MdcCode = { code: 196648, refId: 'MDC_EVT_HI' };
export const MDC_EVT_LO: MdcCode = { code: 196670, refId: 'MDC_EVT_LO' };

/** The alarm-attribute observations of a Report Alarm (partition 1, object-oriented attributes). */
export const MDC_ATTR_EVENT_PHASE: MdcCode = { code: 68481, refId: 'MDC_ATTR_EVENT_PHASE' };
export const MDC_ATTR_ALARM_STATE: MdcCode = { code: 68482, refId: 'MDC_ATTR_ALARM_STATE' };
export const MDC_ATTR_ALARM_INACTIVATION_STATE: MdcCode = { code: 68483, refId: 'MDC_ATTR_ALARM_INACTIVATION_STATE' };

/** `escalate`: the message a second recipient gets when nobody acknowledged the alarm in time. */
export type ReportPhase = AlarmPhase | 'escalate';

export const EVENT_PHASE: Readonly<Record<ReportPhase, string>> = { start: 'start', update: 'update', end: 'end', escalate: 'escalate' };
export const ALARM_STATE: Readonly<Record<AlarmState, string>> = { active: 'active', latched: 'latched', inactive: 'inactive' };
export const INACTIVATION_STATE: Readonly<Record<AlarmInactivation, string>> = { none: 'enabled', audio_paused: 'audio-paused', acknowledged: 'alert-acknowledged' };
/** OBX-8 alert type: SP physiological, ST technical. */
export const ALERT_TYPE: Readonly<Record<AlarmType, 'SP' | 'ST'>> = { physiological: 'SP', technical: 'ST' };

export interface AlarmKind {
  /** The alarm type identification (OBX-3 of the first OBX). */
  readonly event: MdcCode;
  /** The measured parameter, for a limit alarm on a vital. */
  readonly parameter: (MdcCode & { readonly vital: VitalCode }) | null;
  /** H or L (OBX-8 abnormality) for a limit alarm. */
  readonly abnormality: 'H' | 'L' | null;
}

/**
 * The alarm type of a station condition: `<VITAL>_HIGH` / `<VITAL>_LOW` are MDC_EVT_HI /
 * MDC_EVT_LO on the vital's MDC code; technical conditions have no MDC term the station can vouch
 * for, so they go as the generic MDC_EVT_ALARM with the station's condition as a local code.
 */
export function alarmKind(condition: string): AlarmKind {
  const limit = /^([A-Z0-9_]+)_(HIGH|LOW)$/.exec(condition);
  const vital = limit?.[1];
  if (limit && vital && isVitalCode(vital)) {
    const { code, refId } = VITALS[vital].mdc;
    const high = limit[2] === 'HIGH';
    return { event: high ? MDC_EVT_HI : MDC_EVT_LO, parameter: { code, refId, vital }, abnormality: high ? 'H' : 'L' };
  }
  return { event: MDC_EVT_ALARM, parameter: null, abnormality: null };
}
