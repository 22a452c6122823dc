import { SerialPort } from 'serialport';
import type { Channel } from './channel.js';
import type { DeviceDirectory, TechnicalCondition } from '../domain/device.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import { processHl7Message } from './hl7/handle-message.js';
import { frameMllp, MllpDecoder } from './hl7/mllp-framing.js';
import { LineSplitter } from './serial/line-splitter.js';
import { parseMasimoLine, type SerialCondition, type SerialParse } from './serial/masimo-ascii.js';
import { parseNoninLine } from './serial/nonin-ascii.js';
import { fullJitterDelay } from '../common/backoff.js';
import { ClockFaults } from './clock-faults.js';

export type SerialProfile = 'masimo-ascii' | 'nonin-ascii' | 'hl7-mllp';

export interface SerialChannelOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly profile: SerialProfile;
  readonly deviceId: string;
  readonly reconnectDelayMs?: { readonly min: number; readonly max: number };
  readonly utcOffsetMinutes?: number;
}

interface MinimalLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

/**
 * One serial port with one bedside device on it. Cables get pulled: when the port disappears
 * the channel raises `port_lost` and retries with backoff until it is back, then clears it.
 * A bad line is counted and skipped; the next good line is stored as usual.
 */
export class SerialChannel implements Channel {
  readonly name: string;
  private port: SerialPort | null = null;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private lost = false;
  private connected = false;
  private readonly active = new Map<string, SerialCondition>();
  private rejectedLines = 0;
  private readonly clockFaults: ClockFaults;

  constructor(
    private readonly options: SerialChannelOptions,
    private readonly deps: { sink: IngestSink; directory: DeviceDirectory; logger?: MinimalLogger },
  ) {
    this.name = `serial:${options.path}`;
    this.clockFaults = new ClockFaults(deps.sink, 'serial');
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(): void {
    if (this.stopped) return;
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    const feed = this.decoderFor(port);
    port.on('data', (chunk: Buffer) => feed(chunk));
    port.on('error', () => undefined);
    port.on('close', () => {
      if (this.port !== port) return;
      this.port = null;
      this.portGone('closed');
    });
    port.open((error) => {
      if (error) {
        this.portGone(error.message);
        return;
      }
      if (this.stopped) {
        port.close();
        return;
      }
      this.port = port;
      this.attempts = 0;
      if (this.lost) {
        this.lost = false;
        this.technical({ deviceId: this.options.deviceId, kind: 'port_lost', active: false });
      }
      this.connected = true;
      this.deps.sink.connection(this.options.deviceId, 'serial', 'connected');
      this.deps.logger?.info({ port: this.options.path, device: this.options.deviceId }, 'serial port open');
    });
  }

  private portGone(reason: string): void {
    if (this.connected) {
      this.connected = false;
      this.deps.sink.connection(this.options.deviceId, 'serial', 'disconnected');
    }
    if (!this.lost) {
      this.lost = true;
      this.technical({ deviceId: this.options.deviceId, kind: 'port_lost', active: true, detail: reason.slice(0, 80) });
      this.deps.logger?.warn({ port: this.options.path, device: this.options.deviceId }, 'serial port lost; retrying');
    }
    if (this.stopped) return;
    const { min, max } = this.options.reconnectDelayMs ?? { min: 500, max: 15_000 };
    const delay = Math.max(min, fullJitterDelay(this.attempts++, min * 2, max));
    this.timer = setTimeout(() => this.open(), delay);
    this.timer.unref();
  }

  private decoderFor(port: SerialPort): (chunk: Buffer) => void {
    const deviceId = this.options.deviceId;
    if (this.options.profile === 'hl7-mllp') {
      const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
      let chain = Promise.resolve();
      const ctx = { directory: this.deps.directory, sink: this.deps.sink, defaultUtcOffsetMinutes: this.options.utcOffsetMinutes ?? 0, clockFaults: this.clockFaults };
      return (chunk) => {
        for (const event of decoder.push(chunk)) {
          if (event.type !== 'message') {
            this.deps.sink.rejected(deviceId, 'serial', event.type === 'skipped' ? 'outside_frame' : event.code === 'too_large' ? 'frame_too_large' : 'framing');
            continue;
          }
          chain = chain.then(async () => {
            const { ack } = await processHl7Message(event.message, ctx);
            if (port.isOpen) port.write(frameMllp(ack));
          });
        }
      };
    }
    const splitter = new LineSplitter(4096);
    const parse = (line: string): SerialParse =>
      this.options.profile === 'masimo-ascii' ? parseMasimoLine(line, this.options.utcOffsetMinutes ?? 0) : parseNoninLine(line, Date.now());
    return (chunk) => {
      for (const event of splitter.push(chunk)) {
        if (event.type === 'overflow') {
          this.reject('line_too_long');
          continue;
        }
        const parsed = parse(event.line);
        if (!parsed.ok) {
          this.reject(parsed.code);
          continue;
        }
        this.updateConditions(parsed.conditions);
        if (Object.keys(parsed.vitals).length === 0) continue;
        if (!this.deps.directory.findById(deviceId)) {
          this.reject('unknown_device');
          continue;
        }
        // Counted as rejected and reported as a clock fault by the check itself.
        if (!this.clockFaults.check(deviceId, parsed.ts, Date.now())) continue;
        this.deps.sink.store({ deviceId, seq: null, messageId: null, ts: parsed.ts, vitals: parsed.vitals }).catch(() => this.reject('storage_unavailable'));
      }
    };
  }

  /** Reports conditions only when they change: 100 lines with the sensor off are one event. */
  private updateConditions(present: readonly SerialCondition[]): void {
    const now = new Map(present.map((c) => [`${c.kind}|${c.detail}`, c]));
    for (const [key, c] of now) {
      if (!this.active.has(key)) this.technical({ deviceId: this.options.deviceId, kind: c.kind, active: true, detail: c.detail });
    }
    for (const [key, c] of this.active) {
      if (!now.has(key)) this.technical({ deviceId: this.options.deviceId, kind: c.kind, active: false, detail: c.detail });
    }
    this.active.clear();
    for (const [key, c] of now) this.active.set(key, c);
  }

  private technical(condition: TechnicalCondition): void {
    this.deps.sink.technical(condition);
  }

  private reject(code: string): void {
    this.deps.sink.rejected(this.options.deviceId, 'serial', code);
    // The line itself is never logged: it could carry patient data.
    if (this.rejectedLines++ % 100 === 0) this.deps.logger?.warn({ port: this.options.path, code, count: this.rejectedLines }, 'serial input rejected');
  }
}
