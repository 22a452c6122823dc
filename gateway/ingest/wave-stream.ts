import type { WaveAckFrame, WaveErrorCode, WaveErrorFrame } from '../protocol/wave-frames.js';
import { parseWaveFrame } from '../protocol/wave-frames.js';
import type { WaveSink } from '../waves/wave-sink.js';
import type { ClockFault } from '../protocol/device-time.js';

/** No error message is longer than this: a reply must never amplify the frame it answers. */
const MAX_MESSAGE_CHARS = 300;

export interface WaveStreamEvents {
  /** Sends one text frame to the device. */
  send(text: string): void;
  /** A frame was refused (for the device's counters and its clock-fault condition). */
  refused(code: WaveErrorCode, clockFault: ClockFault | undefined): void;
  /** A frame's time was in bounds. */
  accepted(): void;
  /** A commit failed: the connection must be closed and never acknowledge again. */
  storageFailed(error: Error): void;
}

/**
 * The wave frames of one device connection: parse, store, and acknowledge cumulatively with
 * `wave_ack` once the commit is durable. Wave frames have their own sequence, separate from the
 * numeric frames' (they are committed by a different queue, so one cumulative ack over both
 * could cover a frame not yet stored). Blocks of one connection commit in arrival order, so the
 * highest committed seq covers every earlier frame of the connection.
 */
export class WaveStream {
  private ackedSeq = -1;
  private pendingAckSeq = -1;
  private ackScheduled = false;
  private failed = false;

  constructor(
    private readonly deviceId: string,
    private readonly sink: WaveSink,
    private readonly events: WaveStreamEvents,
  ) {}

  /** Handles one binary frame; returns the commit to wait for, or null when it was refused. */
  receive(bytes: Uint8Array, now: number): Promise<void> | null {
    if (this.failed) return null;
    const parsed = parseWaveFrame(bytes, now);
    if (!parsed.ok) {
      this.events.refused(parsed.code, parsed.clockFault);
      this.sendError(parsed.seq, parsed.code, parsed.message);
      return null;
    }
    this.events.accepted();
    const seq = parsed.frame.seq;
    return this.sink.store({ deviceId: this.deviceId, frame: parsed.frame }).then(
      () => this.committed(seq),
      (error: Error) => this.storageFailed(seq, error),
    );
  }

  private committed(seq: number): void {
    if (this.failed) return;
    if (seq > this.pendingAckSeq) this.pendingAckSeq = seq;
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    // After the other commit callbacks of this batch: one ack per connection per commit.
    queueMicrotask(() => this.sendAck());
  }

  private sendAck(): void {
    this.ackScheduled = false;
    if (this.failed || this.pendingAckSeq <= this.ackedSeq) return;
    this.ackedSeq = this.pendingAckSeq;
    this.events.send(JSON.stringify({ type: 'wave_ack', seq: this.ackedSeq } satisfies WaveAckFrame));
  }

  private storageFailed(seq: number, error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.sendError(seq, 'storage_unavailable', 'the station could not store this wave frame; reconnect and resend');
    this.events.storageFailed(error);
  }

  private sendError(seq: number | null, code: WaveErrorCode, message: string): void {
    this.events.send(JSON.stringify({ type: 'wave_error', seq, code, message: message.slice(0, MAX_MESSAGE_CHARS) } satisfies WaveErrorFrame));
  }
}
