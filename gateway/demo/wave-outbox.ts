import { encodeWaveFrame, type WaveFrame } from '../protocol/wave-frames.js';

interface Unacked {
  readonly seq: number;
  readonly bytes: Uint8Array;
  readonly sentAt: number;
}

/**
 * A device's wave frames not yet acknowledged, in order: numbered with the device's wave
 * sequence, kept until a `wave_ack` covers them, and resent after a reconnect.
 */
export class WaveOutbox {
  private nextSeq: number;
  private readonly unacked: Unacked[] = [];
  private head = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  lastAck = -1;
  /** Device→ack latency of each acknowledged frame (ms), when measuring. */
  readonly latencies: number[] = [];
  measure = false;

  constructor(firstSeq = 1) {
    this.nextSeq = firstSeq;
  }

  get pendingCount(): number {
    return this.unacked.length - this.head;
  }

  /** Numbers and encodes one frame, keeps it until acknowledged; returns it to send now. */
  add(frame: Omit<WaveFrame, 'seq'>): { seq: number; bytes: Uint8Array } {
    const seq = this.nextSeq++;
    const bytes = encodeWaveFrame({ ...frame, seq });
    this.unacked.push({ seq, bytes, sentAt: performance.now() });
    return { seq, bytes };
  }

  /** What to resend after a reconnect, oldest first. */
  pending(): Uint8Array[] {
    return this.unacked.slice(this.head).map((u) => u.bytes);
  }

  acked(seq: number): void {
    const now = performance.now();
    while (this.head < this.unacked.length && this.unacked[this.head]!.seq <= seq) {
      if (this.measure) this.latencies.push(now - this.unacked[this.head]!.sentAt);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.unacked.length) {
      this.unacked.splice(0, this.head);
      this.head = 0;
    }
    this.lastAck = Math.max(this.lastAck, seq);
    const ready = this.waiters.filter((w) => w.seq <= this.lastAck);
    this.waiters = this.waiters.filter((w) => w.seq > this.lastAck);
    for (const w of ready) w.resolve();
  }

  /** Resolves when every frame up to `seq` is acknowledged. */
  until(seq: number): Promise<void> {
    if (this.lastAck >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }
}
