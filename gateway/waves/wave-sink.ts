import type { WaveFrame } from '../protocol/wave-frames.js';

/** A wave frame as received from one device: stored as one full-disclosure block. */
export interface WaveBlock {
  readonly deviceId: string;
  readonly frame: WaveFrame;
}

/** Where the WebSocket transport delivers wave frames (storage, and the live strips). */
export interface WaveSink {
  /**
   * Queues a block for storage. Resolves once it is durably committed, or found to be a duplicate
   * of a committed one (same device and wave seq): only then may the transport acknowledge it.
   * Rejects if storage failed; the transport must then not acknowledge.
   */
  store(block: WaveBlock): Promise<'stored' | 'duplicate'>;
}
