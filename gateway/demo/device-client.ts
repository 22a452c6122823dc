import { WebSocket } from 'ws';
import type { VitalValues } from '../protocol/vitals.js';
import type { WaveFrame } from '../protocol/wave-frames.js';
import { WaveOutbox } from './wave-outbox.js';

export interface DeviceClientOptions {
  readonly url: string;
  readonly key: string;
  /** First seq to use; a device continues its sequence across restarts. */
  readonly firstSeq?: number;
  /** First wave-frame seq (its own sequence); a device continues it across restarts. */
  readonly firstWaveSeq?: number;
  /** Reconnect after a drop (a real monitor does); tests of refusal turn it off. */
  readonly reconnect?: boolean;
  /** Longest wait between reconnect attempts after a failure; default 10 s. */
  readonly maxReconnectDelayMs?: number;
  readonly onAck?: (seq: number) => void;
  readonly onError?: (frame: { seq: number | null; code: string; message: string }) => void;
  readonly onWaveError?: (frame: { seq: number | null; code: string; message: string }) => void;
  readonly onRefused?: (status: number) => void;
  readonly onClose?: (code: number) => void;
  /** For wss://: the CA that signed the station's certificate and, for mutual TLS, this device's certificate and key (PEM). */
  readonly tls?: { readonly ca?: Buffer | string; readonly cert?: Buffer | string; readonly key?: Buffer | string };
}

interface Unacked {
  readonly seq: number;
  readonly text: string;
  readonly sentAt: number;
}

/**
 * A bedside device speaking the station's WebSocket protocol the way a good device should: it
 * numbers frames, keeps every frame until the station acknowledges it, and resends what was not
 * acknowledged after a reconnect. Used by the demo ward, the tests and the benchmarks.
 */
/** WebSocket close code of a station that stops gracefully (a restart or an upgrade). */
export const SERVICE_RESTART = 1012;

export class DeviceClient {
  private socket: WebSocket | null = null;
  private nextSeq: number;
  private readonly unacked: Unacked[] = [];
  private head = 0;
  private stopped = false;
  private reconnectDelay = 250;
  private restarting = false;
  private openWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** The HTTP status of the last refused upgrade, for the error of a connect() that cannot retry. */
  private refusedWith: number | null = null;
  private ackWaiters: Array<{ seq: number; resolve: () => void }> = [];
  lastAck = -1;
  /** Wave frames awaiting their `wave_ack`. */
  readonly waves: WaveOutbox;
  /** Device→ack latency of each acknowledged frame (ms), when measuring. */
  readonly latencies: number[] = [];
  measure = false;

  constructor(private readonly options: DeviceClientOptions) {
    this.nextSeq = options.firstSeq ?? 1;
    this.waves = new WaveOutbox(options.firstWaveSeq ?? 1);
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  get pendingCount(): number {
    return this.unacked.length - this.head;
  }

  connect(): Promise<void> {
    this.stopped = false;
    this.open();
    return this.opened();
  }

  /**
   * Resolves on the next successful open. Without reconnecting, a connection that closes before
   * it opens (refused key, nothing listening) rejects instead: nothing would ever resolve it.
   */
  opened(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => this.openWaiters.push({ resolve, reject }));
  }

  /** Sends one observation; returns its seq. Kept until acknowledged. */
  send(vitals: VitalValues | Record<string, unknown>, ts: number | string = Date.now()): number {
    const seq = this.nextSeq++;
    const text = JSON.stringify({ type: 'obs', seq, ts, vitals });
    this.unacked.push({ seq, text, sentAt: performance.now() });
    if (this.connected) this.socket!.send(text);
    return seq;
  }

  /** Sends one wave frame (binary); returns its wave seq. Kept until acknowledged. */
  sendWave(frame: Omit<WaveFrame, 'seq'>): number {
    const { seq, bytes } = this.waves.add(frame);
    if (this.connected) this.socket!.send(bytes);
    return seq;
  }

  /** Sends raw text as is (for hostile-input tests); not tracked for acks. */
  sendRaw(data: string | Buffer): void {
    this.socket?.send(data);
  }

  /** Resolves when every frame up to `seq` is acknowledged. */
  acked(seq: number): Promise<void> {
    if (this.lastAck >= seq) return Promise.resolve();
    return new Promise((resolve) => this.ackWaiters.push({ seq, resolve }));
  }

  close(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }

  /** Drops the connection abruptly (a pulled cable); unacked frames are resent on reconnect. */
  drop(): void {
    this.socket?.terminate();
  }

  private open(): void {
    this.refusedWith = null;
    const socket = new WebSocket(this.options.url, { headers: { authorization: `Bearer ${this.options.key}` }, perMessageDeflate: false, ...this.options.tls });
    this.socket = socket;
    socket.on('open', () => {
      this.reconnectDelay = 250;
      this.restarting = false;
      // Resend everything not yet acknowledged, in order; the station stores each seq once.
      for (let i = this.head; i < this.unacked.length; i++) socket.send(this.unacked[i]!.text);
      for (const bytes of this.waves.pending()) socket.send(bytes);
      const waiters = this.openWaiters;
      this.openWaiters = [];
      for (const w of waiters) w.resolve();
    });
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('unexpected-response', (_req, res) => {
      this.refusedWith = res.statusCode ?? 0;
      this.options.onRefused?.(this.refusedWith);
      this.stopped = this.stopped || this.options.reconnect === false;
      socket.terminate();
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      if (this.socket === socket) this.socket = null;
      this.options.onClose?.(code);
      if (this.stopped || this.options.reconnect === false) {
        const waiters = this.openWaiters;
        this.openWaiters = [];
        const reason = this.refusedWith === null ? `closed before it opened (code ${code})` : `refused the connection (HTTP ${this.refusedWith})`;
        for (const w of waiters) w.reject(new Error(`the station at ${this.options.url} ${reason}`));
        return;
      }
      // 1012: the station is restarting on purpose and will be back in seconds; retry about every
      // second until it is, instead of backing off towards 10 s as after a failure.
      if (code === SERVICE_RESTART) this.restarting = true;
      if (code === SERVICE_RESTART) this.reconnectDelay = 250;
      const delay = this.reconnectDelay * (0.5 + Math.random());
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.restarting ? 1000 : (this.options.maxReconnectDelayMs ?? 10_000));
      setTimeout(() => {
        if (!this.stopped) this.open();
      }, delay).unref();
    });
  }

  private onMessage(text: string): void {
    let frame: { type?: string; seq?: number | null; code?: string; message?: string };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === 'ack' && typeof frame.seq === 'number') {
      const now = performance.now();
      while (this.head < this.unacked.length && this.unacked[this.head]!.seq <= frame.seq) {
        if (this.measure) this.latencies.push(now - this.unacked[this.head]!.sentAt);
        this.head++;
      }
      if (this.head > 1024 && this.head * 2 > this.unacked.length) {
        this.unacked.splice(0, this.head);
        this.head = 0;
      }
      this.lastAck = Math.max(this.lastAck, frame.seq);
      this.options.onAck?.(frame.seq);
      if (this.ackWaiters.length) {
        const ready = this.ackWaiters.filter((w) => w.seq <= this.lastAck);
        this.ackWaiters = this.ackWaiters.filter((w) => w.seq > this.lastAck);
        for (const w of ready) w.resolve();
      }
    } else if (frame.type === 'wave_ack' && typeof frame.seq === 'number') {
      this.waves.acked(frame.seq);
    } else if (frame.type === 'wave_error') {
      this.options.onWaveError?.({ seq: frame.seq ?? null, code: frame.code ?? 'unknown', message: frame.message ?? '' });
    } else if (frame.type === 'error') {
      this.options.onError?.({ seq: frame.seq ?? null, code: frame.code ?? 'unknown', message: frame.message ?? '' });
    }
  }
}
