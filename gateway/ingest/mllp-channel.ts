/**
 * HL7 v2 over MLLP/TCP (IHE PCD-01 device data from monitors and their gateways). Parsing and
 * the store/ACK rules are in `hl7/`; this file owns sockets, ordering and back-pressure.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { listen } from './listen.js';
import type { Channel, DeviceDirectory, IngestSink } from './channel.js';
import { buildAck } from './hl7/ack.js';
import { processHl7Message, type Hl7Context } from './hl7/handle-message.js';
import { frameMllp, MllpDecoder } from './hl7/mllp-framing.js';

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
/** Consecutive framing errors after which a connection is considered garbage and closed. */
const MAX_CONSECUTIVE_FRAMING_ERRORS = 20;
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

  constructor(
    private readonly options: MllpChannelOptions,
    private readonly deps: MllpChannelDeps,
  ) {
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
    };
    // A gateway (e.g. a central station) may send for many devices over one connection.
    const devices = new Set<string>();
    let framingErrors = 0;
    let queued = 0;
    let closing = false;

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
      for (const event of decoder.push(chunk)) {
        if (event.type === 'error') {
          // No control id can be trusted from a broken frame: MSA-2 stays empty.
          sink.rejected(devices.size === 1 ? [...devices][0]! : null, 'hl7', event.code === 'too_large' ? 'frame_too_large' : 'framing');
          const reason = `MLLP ${event.code === 'too_large' ? 'message too large' : 'framing error'}: ${event.message}`;
          enqueue(() => reply(buildAck({}, 'AR', reason)));
          if (++framingErrors >= MAX_CONSECUTIVE_FRAMING_ERRORS) {
            logger?.warn({ channel: this.name, remote: socket.remoteAddress }, 'closing MLLP connection after repeated framing errors');
            closing = true;
            socket.pause();
            enqueue(() => void socket.end());
            return;
          }
          continue;
        }
        framingErrors = 0;
        const message = event.message;
        enqueue(async () => {
          const result = await processHl7Message(message, ctx);
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
