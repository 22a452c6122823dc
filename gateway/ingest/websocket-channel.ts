import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listen } from './listen.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { AckFrame, ErrorFrame, DeviceErrorCode } from '../protocol/device-frames.js';
import { parseDeviceFrame } from '../protocol/device-frames.js';
import type { Channel, DeviceDirectory, IngestSink, RegisteredDevice } from './channel.js';
import { TokenBucket } from './token-bucket.js';
import type { Logger } from '../log.js';

export interface WebSocketChannelOptions {
  readonly host: string;
  readonly port: number;
  /** Frames above this many bytes get an error frame and are dropped; the connection stays. */
  readonly maxFrameBytes?: number;
  /** Sustained frames per second per connection; faster senders are slowed by TCP back-pressure. */
  readonly maxFramesPerSecond?: number;
  readonly burstFrames?: number;
  /** Frames received but not yet committed before the connection stops reading. */
  readonly maxInFlight?: number;
  readonly heartbeatMs?: number;
  readonly now?: () => number;
}

interface DeviceConnection {
  readonly device: RegisteredDevice;
  readonly socket: WebSocket;
  readonly bucket: TokenBucket;
  inFlight: number;
  ackedSeq: number;
  pendingAckSeq: number;
  ackScheduled: boolean;
  pausedForRate: boolean;
  pausedForBacklog: boolean;
  alive: boolean;
  failed: boolean;
}

/** Hard limit enforced by `ws` itself (closes with 1009): far above any honest frame. */
const HARD_MAX_PAYLOAD = 1024 * 1024;

/**
 * WebSocket device ingest at `ws://HOST:PORT/devices` (PRODUCT.md contract). Keys are checked
 * before the upgrade, so a refused device never gets a socket and nothing of it is stored.
 */
export class WebSocketChannel implements Channel {
  readonly name = 'websocket';
  private server: Server | null = null;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, DeviceConnection>();
  private heartbeat: NodeJS.Timeout | null = null;
  private stopping = false;
  private drainWaiters: Array<() => void> = [];
  private readonly maxFrameBytes: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;

  constructor(
    private readonly options: WebSocketChannelOptions,
    private readonly deps: { directory: DeviceDirectory; sink: IngestSink; logger: Logger },
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? 64 * 1024;
    this.maxInFlight = options.maxInFlight ?? 2000;
    this.now = options.now ?? Date.now;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false });
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.options.port;
  }

  get connectedDeviceIds(): string[] {
    return [...this.connections.keys()];
  }

  async start(): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'upgrade_required', message: 'connect with WebSocket to /devices' }));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    await listen(server, this.options.port, this.options.host);
    const heartbeatMs = this.options.heartbeatMs ?? 10_000;
    this.heartbeat = setInterval(() => this.checkHeartbeats(), heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Graceful stop: no new connections and no more reading; frames already received are committed
   * and acknowledged, then each device is told 1012 (service restart) so it reconnects at once
   * instead of backing off, and resends whatever was not acknowledged.
   */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.stopping = true;
    const server = this.server;
    this.server = null;
    const listening = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const conn of this.connections.values()) conn.socket.pause();
    await this.drained();
    const connections = [...this.connections.values()];
    const closed = connections.map((conn) => new Promise<void>((resolve) => conn.socket.once('close', () => resolve())));
    for (const conn of connections) conn.socket.close(1012, 'service restart');
    // A device that never answers the close handshake must not hold the stop.
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.all(closed), grace]);
    for (const conn of connections) conn.socket.terminate();
    this.connections.clear();
    await listening;
  }

  /** Resolves when no received frame is waiting for its commit (and its ack has been sent). */
  private async drained(): Promise<void> {
    const inFlight = () => [...this.connections.values()].some((conn) => conn.inFlight > 0);
    while (inFlight()) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    // Acks are sent from a microtask after the commit callbacks: let them go out first.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Closes the connections of devices that are no longer registered or whose key was revoked. */
  revalidate(): void {
    for (const [id, conn] of this.connections) {
      if (!this.deps.directory.findById(id)) conn.socket.close(4003, 'device revoked');
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://station');
    if (url.pathname !== '/devices') return refuse(socket, 404, 'not_found', 'devices connect to /devices');
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    const device = match ? this.deps.directory.findByKey(match[1]!) : undefined;
    if (!device) {
      this.deps.sink.rejected(null, 'websocket', 'unauthorized');
      this.deps.logger.warn({ remote: req.socket.remoteAddress }, 'device refused: unknown or revoked key');
      return refuse(socket, 401, 'unauthorized', 'unknown or revoked device key');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(device, ws));
  }

  private accept(device: RegisteredDevice, socket: WebSocket): void {
    const previous = this.connections.get(device.id);
    if (previous) previous.socket.close(4001, 'replaced by a newer connection');
    const now = this.now();
    const conn: DeviceConnection = {
      device,
      socket,
      bucket: new TokenBucket(this.options.maxFramesPerSecond ?? 500, this.options.burstFrames ?? 5000, now),
      inFlight: 0,
      ackedSeq: -1,
      pendingAckSeq: -1,
      ackScheduled: false,
      pausedForRate: false,
      pausedForBacklog: false,
      alive: true,
      failed: false,
    };
    this.connections.set(device.id, conn);
    this.deps.sink.connection(device.id, 'websocket', 'connected');
    this.deps.logger.info({ device: device.id }, 'device connected');
    socket.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    socket.on('pong', () => (conn.alive = true));
    socket.on('error', (error) => this.deps.logger.warn({ device: device.id, err: error.message }, 'device socket error'));
    socket.on('close', (code) => {
      if (this.connections.get(device.id) === conn) {
        this.connections.delete(device.id);
        this.deps.sink.connection(device.id, 'websocket', 'disconnected');
      }
      this.deps.logger.info({ device: device.id, code }, 'device disconnected');
    });
  }

  private onMessage(conn: DeviceConnection, data: RawData, isBinary: boolean): void {
    if (conn.failed) return;
    const now = this.now();
    if (!conn.bucket.take(now)) {
      // Over the rate: stop reading so TCP slows the sender down. Nothing is dropped, so a
      // cumulative ack can never cover a frame the station did not store.
      this.pause(conn, 'rate');
      setTimeout(() => this.resume(conn, 'rate'), conn.bucket.waitMs(now)).unref();
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (isBinary) return this.sendError(conn, null, 'invalid_frame', 'frames must be UTF-8 text (JSON)');
    if (size > this.maxFrameBytes) {
      this.deps.sink.rejected(conn.device.id, 'websocket', 'frame_too_large');
      return this.sendError(conn, null, 'frame_too_large', `frame of ${size} bytes exceeds ${this.maxFrameBytes}`);
    }
    const parsed = parseDeviceFrame(data.toString(), now);
    if (!parsed.ok) {
      this.deps.sink.rejected(conn.device.id, 'websocket', parsed.code);
      this.reportRejectedVitals(conn, parsed.rejected);
      return this.sendError(conn, parsed.seq, parsed.code, parsed.message);
    }
    if (parsed.rejected.length > 0) {
      this.reportRejectedVitals(conn, parsed.rejected);
      const first = parsed.rejected[0]!;
      this.sendError(conn, parsed.seq, first.code, parsed.rejected.map((r) => r.message).join('; '));
    }
    conn.inFlight++;
    if (conn.inFlight >= this.maxInFlight) this.pause(conn, 'backlog');
    const seq = parsed.seq;
    this.deps.sink
      .store({ deviceId: conn.device.id, seq, messageId: null, ts: parsed.ts, vitals: parsed.vitals })
      .then(
        () => this.committed(conn, seq),
        (error: Error) => this.storageFailed(conn, seq, error),
      );
  }

  private reportRejectedVitals(conn: DeviceConnection, rejected: readonly { vital: string; code: string }[] | undefined): void {
    for (const r of rejected ?? []) {
      this.deps.sink.rejected(conn.device.id, 'websocket', r.code);
    }
  }

  private committed(conn: DeviceConnection, seq: number): void {
    conn.inFlight--;
    this.notifyDrain();
    if (conn.pausedForBacklog && conn.inFlight <= this.maxInFlight / 4) this.resume(conn, 'backlog');
    if (conn.failed) return;
    if (seq > conn.pendingAckSeq) conn.pendingAckSeq = seq;
    if (!conn.ackScheduled) {
      conn.ackScheduled = true;
      // Runs after the other commit callbacks of this batch: one ack per connection per commit.
      queueMicrotask(() => this.sendAck(conn));
    }
  }

  private sendAck(conn: DeviceConnection): void {
    conn.ackScheduled = false;
    if (conn.failed || conn.pendingAckSeq <= conn.ackedSeq) return;
    conn.ackedSeq = conn.pendingAckSeq;
    const ack: AckFrame = { type: 'ack', seq: conn.ackedSeq };
    conn.socket.send(JSON.stringify(ack));
  }

  /**
   * A commit failed: this connection must never ack again (a later ack would cover the lost
   * frame). Close it; the device reconnects and resends everything not acknowledged.
   */
  private storageFailed(conn: DeviceConnection, seq: number, error: Error): void {
    conn.inFlight--;
    this.notifyDrain();
    if (conn.failed) return;
    conn.failed = true;
    this.deps.logger.error({ device: conn.device.id, err: error.message }, 'storage failed; closing device connection');
    this.sendError(conn, seq, 'storage_unavailable', 'the station could not store this frame; reconnect and resend');
    conn.socket.close(1011, 'storage unavailable');
  }

  private sendError(conn: DeviceConnection, seq: number | null, code: DeviceErrorCode, message: string): void {
    const frame: ErrorFrame = { type: 'error', seq, code, message };
    conn.socket.send(JSON.stringify(frame));
  }

  private pause(conn: DeviceConnection, reason: 'rate' | 'backlog'): void {
    if (reason === 'rate') conn.pausedForRate = true;
    else conn.pausedForBacklog = true;
    conn.socket.pause();
  }

  private resume(conn: DeviceConnection, reason: 'rate' | 'backlog'): void {
    if (reason === 'rate') conn.pausedForRate = false;
    else conn.pausedForBacklog = false;
    if (!conn.pausedForRate && !conn.pausedForBacklog && !this.stopping) conn.socket.resume();
  }

  private notifyDrain(): void {
    if (this.drainWaiters.length > 0) queueMicrotask(() => this.drainWaiters.splice(0).forEach((resolve) => resolve()));
  }

  private checkHeartbeats(): void {
    for (const conn of this.connections.values()) {
      if (!conn.alive) {
        // No pong since the last ping: the link is dead (cable, power). Dropping the socket makes
        // the device show as disconnected instead of silently stale.
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
  }
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
