/**
 * The boundary between the transports and the rest of the station: transports only parse,
 * authenticate and reply; storage, alarms and the UI are behind `IngestSink`, so a transport
 * never touches SQLite.
 */
import type { ConnectionState, TechnicalCondition, Transport } from './device.js';
import type { Observation, StoreOutcome } from './observation.js';

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

/**
 * Storage's signal to the transports: while it is backlogged they stop reading devices, so TCP
 * slows the senders down instead of frames piling up in memory.
 */
export interface StoragePressure {
  readonly backlogged: boolean;
  /** Frames waiting at which storage reports it is backlogged: transports share it among devices. */
  readonly highWater: number;
  onPressure(listener: (backlogged: boolean) => void): () => void;
}
