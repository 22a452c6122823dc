/**
 * HL7 v2 over MLLP/TCP (IHE PCD-01 device data from monitors and their gateways). Parsing and
 * the store/ACK rules are in `hl7/`; this file owns sockets, ordering and back-pressure.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { listen } from '../common/listen.js';
import type { Channel } from './channel.js';
import type { DeviceDirectory } from '../domain/device.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import { buildAck } from './hl7/ack.js';
import { processHl7Message, type Hl7Context } from './hl7/handle-message.js';
import { frameMllp, MllpDecoder } from './hl7/mllp-framing.js';
import { TokenBucket } from './token-bucket.js';
import { ClockFaults } from './clock-faults.js';

export interface MllpChannelOptions {
  readonly host: string;
  /** 0 picks a free port; read the bound one from `port`. */
  readonly port: number;
  readonly maxMessageBytes?: number;
  /** Connections silent this long are closed (senders reconnect); 0 = never. */
  readonly idleTimeoutMs?: number;
  /** Offset for HL7 timestamps without one; defaults to the station's local offset. */
  readonly defaultUtcOffsetMinutes?: number;
  /** Name in logs and the channel list (e.g. `mllp-tls`); default `mllp`. */
  readonly name?: string;
  /** Makes the listening server, e.g. a TLS server; default clear-text TCP. */
  readonly createServer?: (onConnection: (socket: Socket) => void) => Server;
  /** The devices one connection may send for (e.g. TLS-only devices not on clear text); default all. */
  readonly connectionDirectory?: (socket: Socket, directory: DeviceDirectory) => DeviceDirectory;
}

export interface MllpChannelDeps {
  readonly directory: DeviceDirectory;
  readonly sink: IngestSink;
  readonly logger?: {
    info(o: object, msg?: string): void;
    warn(o: object, msg?: string): void;
  };
}

const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
/**
 * The framing-error budget of one connection: skipped runs of bytes outside a frame, frames
 * never completed, frames over the size limit and framed text that is not HL7 each cost one.
 * Good messages do not refill it (noise holds start and end blocks by chance, so "messages"
 * decoded from noise would); time does, one error per minute, so a real sender with the odd
 * glitch keeps its connection while a stream of noise is cut off after about 20 replies.
 */
const FRAMING_ERROR_BURST = 20;
const FRAMING_ERRORS_PER_SECOND = 1 / 60;
/** Messages queued on one connection before we stop reading from it (TCP pushes back on the sender). */
const MAX_QUEUED_MESSAGES = 64;

interface Connection {
  readonly socket: Socket;
  /** Tail of this connection's work: each message is handled and answered after the previous one. */
  queue: Promise<void>;
}

/**
 * Messages of one connection are handled strictly in order, so an ACK never overtakes the ACK of
 * an earlier message (senders match ACKs by order as much as by MSA-2).
 */
export class MllpChannel implements Channel {
  readonly name: string;
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly clockFaults: ClockFaults;

  constructor(
    private readonly options: MllpChannelOptions,
    private readonly deps: MllpChannelDeps,
  ) {
    this.clockFaults = new ClockFaults(deps.sink, 'hl7');
    this.name = options.name ?? 'mllp';
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.options.port;
  }

  async start(): Promise<void> {
    const server = (this.options.createServer ?? createServer)((socket) => this.accept(socket));
    await listen(server, this.options.port, this.options.host);
    this.server = server;
    this.deps.logger?.info({ channel: this.name, port: this.port }, 'MLLP listener started');
  }

  /** Stops accepting, lets queued messages finish and get their ACKs, then closes connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await Promise.all(
      [...this.connections].map(async (connection) => {
        connection.socket.pause();
        await connection.queue;
        connection.socket.destroy();
      }),
    );
    await closed;
  }

  private accept(socket: Socket): void {
    const connection: Connection = { socket, queue: Promise.resolve() };
    this.connections.add(connection);
    const { sink, logger } = this.deps;
    const decoder = new MllpDecoder({ maxMessageBytes: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
    const ctx: Hl7Context = {
      directory: this.options.connectionDirectory?.(socket, this.deps.directory) ?? this.deps.directory,
      sink,
      defaultUtcOffsetMinutes: this.options.defaultUtcOffsetMinutes ?? -new Date().getTimezoneOffset(),
      clockFaults: this.clockFaults,
    };
    // A gateway (e.g. a central station) may send for many devices over one connection.
    const devices = new Set<string>();
    const budget = new TokenBucket(FRAMING_ERRORS_PER_SECOND, FRAMING_ERROR_BURST, Date.now());
    let queued = 0;
    let closing = false;
    /** Spends one unit of the budget; false (and the connection is closing) when it is spent. */
    const framingError = (): boolean => {
      if (closing) return false;
      if (budget.take(Date.now())) return true;
      logger?.warn({ channel: this.name, remote: socket.remoteAddress }, 'closing MLLP connection: framing-error budget spent');
      closing = true;
      socket.pause();
      // Destroyed once the replies before it are written: a sender still pushing noise would
      // otherwise hold a half-closed socket open, blocked on a window the station never reads.
      enqueue(() => void socket.end(() => socket.destroy()));
      return false;
    };

    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (idleMs > 0) socket.setTimeout(idleMs, () => socket.end());
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);

    const reply = (ack: string) => {
      if (!socket.destroyed && socket.writable) socket.write(frameMllp(ack));
    };
    const enqueue = (work: () => Promise<void> | void) => {
      queued++;
      if (queued >= MAX_QUEUED_MESSAGES) socket.pause();
      connection.queue = connection.queue
        .then(work)
        .catch((error: unknown) => {
          // A bug or a throwing sink must not stall the connection: answer and go on.
          logger?.warn({ channel: this.name, err: error instanceof Error ? error.message : String(error) }, 'HL7 message handling failed');
          reply(buildAck({}, 'AE', 'internal error'));
        })
        .finally(() => {
          queued--;
          if (queued < MAX_QUEUED_MESSAGES && this.server && !closing && socket.isPaused()) socket.resume();
        });
    };

    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      const onlyDevice = () => (devices.size === 1 ? [...devices][0]! : null);
      for (const event of decoder.push(chunk)) {
        if (event.type === 'skipped' || (event.type === 'error' && event.code === 'framing')) {
          // Not a message (bytes outside a frame, a frame never completed): an ACK would pair
          // with the sender's next message. Counted, never acknowledged.
          sink.rejected(onlyDevice(), 'hl7', event.type === 'skipped' ? 'outside_frame' : 'framing');
          if (!framingError()) return;
          continue;
        }
        if (event.type === 'error') {
          // A complete frame over the limit: one reply for one message. No control id can be
          // trusted from it: MSA-2 stays empty.
          sink.rejected(onlyDevice(), 'hl7', 'frame_too_large');
          enqueue(() => reply(buildAck({}, 'AR', `MLLP message too large: ${event.message}`)));
          if (!framingError()) return;
          continue;
        }
        const message = event.message;
        enqueue(async () => {
          const result = await processHl7Message(message, ctx);
          if (result.unreadable && !framingError()) return;
          if (result.deviceId && !devices.has(result.deviceId)) {
            devices.add(result.deviceId);
            sink.connection(result.deviceId, 'hl7', 'connected');
            logger?.info({ channel: this.name, deviceId: result.deviceId }, 'HL7 device connected');
          }
          reply(result.ack);
        });
      }
    });
    socket.on('error', (error) => logger?.warn({ channel: this.name, err: error.message }, 'MLLP socket error'));
    socket.on('close', () => {
      this.connections.delete(connection);
      for (const deviceId of devices) sink.connection(deviceId, 'hl7', 'disconnected');
    });
  }
}
