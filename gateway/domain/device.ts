/**
 * Devices as the station knows them: how they connect, what the registry says about them, and
 * the technical conditions they report (which feed technical alarms).
 */
import type { VitalCode } from '../protocol/vitals.js';

export type Transport = 'websocket' | 'hl7' | 'serial';

/** Conditions a device reports about itself or its link; they feed technical alarms. */
export type TechnicalConditionKind =
  | 'device_offline'
  | 'port_lost'
  | 'sensor_off'
  | 'device_exception'
  /** The device's timestamps are beyond the accepted bounds: its readings are refused. */
  | 'clock_fault'
  | 'invalid_value';

export interface TechnicalCondition {
  readonly deviceId: string;
  readonly kind: TechnicalConditionKind;
  /** true while the condition holds; false when it has cleared. */
  readonly active: boolean;
  /** Vital concerned, where the condition is about one measurement. */
  readonly vital?: VitalCode;
  /** Short machine-readable detail (e.g. a Masimo exception bitmask); never patient data. */
  readonly detail?: string;
}

export type ConnectionState = 'connected' | 'disconnected';

export interface RegisteredDevice {
  readonly id: string;
  readonly model: string;
  readonly transport: Transport;
  readonly bedId: string | null;
  /** MRN of the patient admitted to the device's bed, if any (HL7 PID-3 is checked against it). */
  readonly patientMrn: string | null;
  /** Refused on the clear-text listeners (ws://, plain MLLP); absent = clear text allowed. */
  readonly tlsOnly?: boolean;
}

/** Read side of the device registry that transports use to authenticate and identify devices. */
export interface DeviceDirectory {
  /** The active (not revoked) device holding this key, or undefined. Constant-time on the key. */
  findByKey(key: string): RegisteredDevice | undefined;
  /** The active device with this id, or undefined. */
  findById(id: string): RegisteredDevice | undefined;
}
