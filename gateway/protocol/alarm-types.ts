/**
 * Alarm shapes shared by the gateway and the renderer (pure). Fields follow IHE PCD ACM so
 * events can later be forwarded to paging systems: event phase, alarm state, inactivation state,
 * priority (PH/PM/PL on the wire) and type.
 */
export type AlarmPriority = 'high' | 'medium' | 'low';
export type AlarmType = 'physiological' | 'technical';
/** active: condition present; latched: a high physiological alarm whose condition ended, kept until acknowledged. */
export type AlarmState = 'active' | 'latched' | 'inactive';
export type AlarmInactivation = 'none' | 'acknowledged' | 'audio_paused';
export type AlarmPhase = 'start' | 'update' | 'end';

export const PRIORITY_RANK: Readonly<Record<AlarmPriority, number>> = { low: 1, medium: 2, high: 3 };
export const PRIORITY_WIRE: Readonly<Record<AlarmPriority, 'PH' | 'PM' | 'PL'>> = { high: 'PH', medium: 'PM', low: 'PL' };
/** IEC 60601-1-8 colours: red, yellow, cyan. */
export const PRIORITY_COLOUR: Readonly<Record<AlarmPriority, string>> = { high: '#ff3b30', medium: '#ffd60a', low: '#64d2ff' };

export interface Alarm {
  readonly id: string;
  /** e.g. HR_HIGH, SPO2_LOW, DEVICE_OFFLINE, SENSOR_OFF, PORT_LOST, INVALID_VALUE, STORAGE_NEAR_BUDGET. */
  readonly condition: string;
  readonly type: AlarmType;
  readonly priority: AlarmPriority;
  readonly state: AlarmState;
  readonly inactivation: AlarmInactivation;
  readonly bedId: string | null;
  readonly patientId: number | null;
  readonly deviceId: string | null;
  /** The value and limit that triggered (or last updated) it, in the vital's canonical unit. */
  readonly value: number | null;
  readonly limit: number | null;
  /**
   * Physiological alarms: the most extreme value beyond the limit while the condition was
   * present, and when it was measured (a latched alarm shows these, not the recovered value).
   * Null for technical alarms, and optional in state saved before these fields existed.
   */
  readonly worstValue: number | null;
  readonly worstAt: number | null;
  readonly startedAt: number;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: number | null;
}

export interface AlarmEvent {
  readonly phase: AlarmPhase;
  readonly at: number;
  readonly alarm: Alarm;
  /** Who caused this event (acknowledge, pause, limit change); null for the engine itself. */
  readonly actor: string | null;
  readonly reason: string | null;
}

/** Present alarms and what the speaker should do: pushed to the screens on every change. */
export interface AlarmView {
  readonly present: readonly Alarm[];
  readonly audio: { readonly sounding: AlarmPriority | null; readonly pausedUntil: number | null };
}
