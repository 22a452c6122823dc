/**
 * The one interface every device transport implements (WebSocket, HL7/MLLP, serial), after
 * Medplum agent's `Channel`. Transports only parse, authenticate and reply; storage, alarms and
 * the UI are behind `IngestSink`, so a transport never touches SQLite.
 */
import type { VitalCode, VitalValues } from '../protocol/vitals.js';

export interface Channel {
  /** Stable name for logs and the device list, e.g. `websocket`, `mllp`, `serial:/dev/ttyUSB0`. */
  readonly name: string;
  start(): Promise<void>;
  /** Stops accepting input and closes connections; pending commits still get their replies. */
  stop(): Promise<void>;
}

export type Transport = 'websocket' | 'hl7' | 'serial';

/** A set of vitals one device measured at one instant, already validated and in canonical units. */
export interface Observation {
  readonly deviceId: string;
  /** Per-device sequence number (WebSocket devices); the store keeps each (device, seq) once. */
  readonly seq: number | null;
  /** Transport message id (HL7 MSH-10); the store keeps each (device, messageId) once. */
  readonly messageId: string | null;
  /** Measurement time, epoch milliseconds. */
  readonly ts: number;
  readonly vitals: VitalValues;
}

export type StoreOutcome = 'stored' | 'duplicate';

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

/** Where transports deliver what they receive. */
export interface IngestSink {
  /**
   * Queues an observation for storage. Resolves once it is durably committed (or found to be a
   * duplicate of a committed one): only then may a transport acknowledge it to the device.
   * Rejects if storage failed; the transport must then not acknowledge.
   */
  store(observation: Observation): Promise<StoreOutcome>;
  /** A device connected or disconnected (drives the device list and offline alarms). */
  connection(deviceId: string, transport: Transport, state: ConnectionState): void;
  /** A technical condition started or cleared. */
  technical(condition: TechnicalCondition): void;
  /** A rejected input, counted per device for the device list; `code` is an error code. */
  rejected(deviceId: string | null, transport: Transport, code: string): void;
}
