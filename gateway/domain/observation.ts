/** What a device measured, as every part of the station sees it once a transport validated it. */
import type { VitalValues } from '../protocol/vitals.js';

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
