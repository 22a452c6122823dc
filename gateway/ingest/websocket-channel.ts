import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { listen } from '../common/listen.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { AckFrame, ErrorFrame, DeviceErrorCode } from '../protocol/device-frames.js';
import { describeRejected, MAX_ERROR_MESSAGE_CHARS, parseDeviceFrame } from '../protocol/device-frames.js';
import type { Channel } from './channel.js';
import type { DeviceDirectory, RegisteredDevice } from '../domain/device.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import type { StoragePressure } from '../domain/ingest-sink.js';
import type { LoadPressure } from './event-loop-pressure.js';
import { TokenBucket } from './token-bucket.js';
import { ClockFaults } from './clock-faults.js';
import type { Logger } from '../log.js';
import type { WaveSink } from '../waves/wave-sink.js';
import { WaveStream } from './wave-stream.js';
import { AckFlusher } from './ack-flusher.js';

export interface WebSocketChannelOptions {
  readonly host: string;
  readonly port: number;
  /** Frames above this many bytes get an error frame and are dropped; the connection stays. */
  readonly maxFrameBytes?: number;
  /** Sustained frames per second per connection; faster senders are slowed by TCP back-pressure. */
  readonly maxFramesPerSecond?: number;
  readonly burstFrames?: number;
  /**
   * Frames received but not yet committed before the connection stops reading; it reads again
   * at half. A monitor sends about a frame a second, so 64 is a minute of slack, and 1,000
   * devices hold at most 64,000 frames (and what one socket read already holds) however fast
   * they send.
   */
  readonly maxInFlight?: number;
  readonly heartbeatMs?: number;
  /**
   * How fast a device's count of recent frames fades (halved each period). While the event loop
   * is behind, a device paused for sending more than its share is read again once its count has
   * faded below the share, so the busy devices take turns instead of waiting for the loop to
   * catch up entirely. Default 1 s.
   */
  readonly recentFramesHalfLifeMs?: number;
  readonly now?: () => number;
  /** Name in logs and the channel list (e.g. `websocket-tls`); default `websocket`. */
  readonly name?: string;
  /** Makes the listening server, e.g. an https server for wss://; default clear-text http. */
  readonly createServer?: (handler: RequestListener) => Server | HttpsServer;
  /** Checked after the key matched: a reason to refuse this device on this connection, or null. */
  readonly admit?: (device: RegisteredDevice, socket: Socket) => string | null;
}

interface DeviceConnection {
  readonly device: RegisteredDevice;
  readonly socket: WebSocket;
  readonly bucket: TokenBucket;
  inFlight: number;
  ackedSeq: number;
  pendingAckSeq: number;
  /** Why the station is not reading this socket now; it reads again once the set is empty. */
  readonly pausedFor: Set<PauseReason>;
  /** Frames handled lately (halved every second): how much of the event loop this device takes. */
  recentFrames: number;
  /**
   * Frames read before the socket could be paused, over the rate: handled in order as tokens come.
   * Bounded: once paused, only what `ws` had already buffered (one socket read) can arrive.
   */
  readonly overRate: Array<{ readonly data: RawData; readonly isBinary: boolean }>;
  drainTimer: NodeJS.Timeout | null;
  alive: boolean;
  failed: boolean;
  /** The connection's waveform frames, from its first binary frame on. */
  waves: WaveStream | null;
}

/**
 * Why a socket is not read: its frames come faster than its rate (`rate`); too many of its frames
 * await commit (`backlog`); storage is behind and this device holds its share of the queue
 * (`storage`); the event loop is behind and this device sends more than its share (`load`).
 */
type PauseReason = 'rate' | 'backlog' | 'storage' | 'load';

/** Hard limit enforced by `ws` itself (closes with 1009): far above any honest frame. */
const HARD_MAX_PAYLOAD = 1024 * 1024;
/**
 * However many devices share storage's queue, each may keep a few frames in it: a monitor sends
 * about one frame a second, so it is never the one stopped.
 */
const MIN_STORAGE_SHARE = 4;
/**
 * Recent frames (halved every second, so about twice the frames a second) below which a device is
 * never paused for the event loop's load: a monitor sends one or two frames a second.
 */
const MIN_LOAD_SHARE = 8;
const RECENT_FRAMES_HALF_LIFE_MS = 1000;

/**
 * WebSocket device ingest at `ws://HOST:PORT/devices`. Keys are checked
 * before the upgrade, so a refused device never gets a socket and nothing of it is stored.
 */
export class WebSocketChannel implements Channel {
  readonly name: string;
  private server: Server | HttpsServer | null = null;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, DeviceConnection>();
  private heartbeat: NodeJS.Timeout | null = null;
  private stopListeningToStorage: (() => void) | null = null;
  private stopListeningToLoad: (() => void) | null = null;
  private decayTimer: NodeJS.Timeout | null = null;
  /** Sum of every connection's `recentFrames`. */
  private recentFrames = 0;
  /** Acks a commit released, written a chunk of connections at a time. */
  private readonly acks = new AckFlusher<DeviceConnection>((conn) => this.sendAck(conn));
  private stopping = false;
  private drainWaiters: Array<() => void> = [];
  private readonly maxFrameBytes: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private readonly clockFaults: ClockFaults;

  constructor(
    private readonly options: WebSocketChannelOptions,
    private readonly deps: {
      directory: DeviceDirectory;
      sink: IngestSink;
      logger: Logger;
      /** While storage is backlogged, devices holding their share of its queue are not read (TCP slows them). */
      storage?: StoragePressure;
      /** While the event loop is behind, devices sending more than their share are not read. */
      load?: LoadPressure;
      /** Where binary (waveform) frames go; without it they are refused as before. */
      waves?: WaveSink;
    },
  ) {
    this.name = options.name ?? 'websocket';
    this.maxFrameBytes = options.maxFrameBytes ?? 64 * 1024;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.now = options.now ?? Date.now;
    this.clockFaults = new ClockFaults(deps.sink, 'websocket');
    this.wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false });
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.options.port;
  }

  get connectedDeviceIds(): string[] {
    return [...this.connections.keys()];
  }

  /** Devices whose socket is not being read right now (rate, backlog, storage or load). */
  get pausedDeviceIds(): string[] {
    return [...this.connections.values()].filter((c) => c.socket.isPaused).map((c) => c.device.id);
  }

  async start(): Promise<void> {
    const server = (this.options.createServer ?? createServer)((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'upgrade_required', message: 'connect with WebSocket to /devices' }));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    await listen(server, this.options.port, this.options.host);
    const heartbeatMs = this.options.heartbeatMs ?? 10_000;
    this.heartbeat = setInterval(() => this.checkHeartbeats(), heartbeatMs);
    this.heartbeat.unref();
    this.stopListeningToStorage = this.deps.storage?.onPressure((backlogged) => this.storagePressure(backlogged)) ?? null;
    this.stopListeningToLoad = this.deps.load?.onPressure((overloaded) => this.loadPressure(overloaded)) ?? null;
    this.decayTimer = setInterval(() => this.decayRecentFrames(), this.options.recentFramesHalfLifeMs ?? RECENT_FRAMES_HALF_LIFE_MS);
    this.decayTimer.unref();
  }

  /**
   * Graceful stop: no new connections and no more reading; frames already received are committed
   * and acknowledged, then each device is told 1012 (service restart) so it reconnects at once
   * instead of backing off, and resends whatever was not acknowledged.
   */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const conn of this.connections.values()) if (conn.drainTimer) clearTimeout(conn.drainTimer);
    if (this.decayTimer) clearInterval(this.decayTimer);
    this.stopListeningToStorage?.();
    this.stopListeningToLoad?.();
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
    await this.acks.idle();
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
    const refusal = this.options.admit?.(device, req.socket as Socket) ?? null;
    if (refusal) {
      this.deps.sink.rejected(device.id, 'websocket', refusal);
      this.deps.logger.warn({ device: device.id, channel: this.name, reason: refusal }, 'device refused on this listener');
      return refuse(socket, 403, refusal, `device not allowed on this listener: ${refusal}`);
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
      pausedFor: new Set(),
      recentFrames: 0,
      overRate: [],
      drainTimer: null,
      alive: true,
      failed: false,
      waves: null,
    };
    this.connections.set(device.id, conn);
    this.deps.sink.connection(device.id, 'websocket', 'connected');
    this.deps.logger.info({ device: device.id }, 'device connected');
    socket.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    socket.on('pong', () => (conn.alive = true));
    socket.on('error', (error) => this.deps.logger.warn({ device: device.id, err: error.message }, 'device socket error'));
    socket.on('close', (code) => {
      // Frames still waiting for a token were never acknowledged: the device resends them.
      if (conn.drainTimer) clearTimeout(conn.drainTimer);
      conn.overRate.length = 0;
      this.acks.delete(conn);
      if (this.connections.get(device.id) === conn) {
        this.connections.delete(device.id);
        this.recentFrames -= conn.recentFrames;
        this.deps.sink.connection(device.id, 'websocket', 'disconnected');
      }
      this.deps.logger.info({ device: device.id, code }, 'device disconnected');
    });
  }

  /**
   * Every frame, good or bad, costs one token of the connection's bucket. Over the rate the
   * socket stops being read, so TCP slows the sender down, and the frames `ws` had already read
   * wait for their tokens: what is handled (and stored) never exceeds the bucket. Nothing is
   * dropped, so a cumulative ack can never cover a frame the station did not store.
   */
  private onMessage(conn: DeviceConnection, data: RawData, isBinary: boolean): void {
    conn.alive = true;
    if (conn.failed) return;
    if (conn.overRate.length > 0 || !conn.bucket.take(this.now())) {
      conn.overRate.push({ data, isBinary });
      this.pause(conn, 'rate');
      this.scheduleDrain(conn);
      return;
    }
    this.handleFrame(conn, data, isBinary);
  }

  private scheduleDrain(conn: DeviceConnection): void {
    if (conn.drainTimer) return;
    conn.drainTimer = setTimeout(
      () => {
        conn.drainTimer = null;
        this.drainOverRate(conn);
      },
      Math.max(1, conn.bucket.waitMs(this.now())),
    );
    conn.drainTimer.unref();
  }

  private drainOverRate(conn: DeviceConnection): void {
    while (conn.overRate.length > 0 && !conn.failed) {
      if (!conn.bucket.take(this.now())) return this.scheduleDrain(conn);
      const frame = conn.overRate.shift()!;
      this.handleFrame(conn, frame.data, frame.isBinary);
    }
    this.resume(conn, 'rate');
  }

  private handleFrame(conn: DeviceConnection, data: RawData, isBinary: boolean): void {
    if (conn.failed) return;
    const now = this.now();
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (isBinary && this.deps.waves) return this.handleWaveFrame(conn, data);
    if (isBinary) return this.sendError(conn, null, 'invalid_frame', 'frames must be UTF-8 text (JSON)');
    if (size > this.maxFrameBytes) {
      this.deps.sink.rejected(conn.device.id, 'websocket', 'frame_too_large');
      return this.sendError(conn, null, 'frame_too_large', `frame of ${size} bytes exceeds ${this.maxFrameBytes}`);
    }
    const parsed = parseDeviceFrame(data.toString(), now);
    if (!parsed.ok) {
      // The same time rule as HL7 and serial: counted, and the device's clock fault reported.
      if (parsed.clockFault) this.clockFaults.refused(conn.device.id, parsed.clockFault);
      else this.deps.sink.rejected(conn.device.id, 'websocket', parsed.code);
      this.reportRejectedVitals(conn, parsed.rejected);
      return this.sendError(conn, parsed.seq, parsed.code, parsed.message);
    }
    this.clockFaults.accepted(conn.device.id);
    if (parsed.rejected.length > 0) {
      this.reportRejectedVitals(conn, parsed.rejected);
      const first = parsed.rejected[0]!;
      this.sendError(conn, parsed.seq, first.code, describeRejected(parsed.rejected));
    }
    conn.inFlight++;
    if (conn.inFlight >= this.maxInFlight) this.pause(conn, 'backlog');
    if (this.deps.storage?.backlogged && conn.inFlight >= this.storageShare()) this.pause(conn, 'storage');
    conn.recentFrames++;
    this.recentFrames++;
    if (this.deps.load?.overloaded && conn.recentFrames >= this.loadShare()) this.pause(conn, 'load');
    const seq = parsed.seq;
    this.deps.sink
      .store({ deviceId: conn.device.id, seq, messageId: null, ts: parsed.ts, vitals: parsed.vitals })
      .then(
        () => this.committed(conn, seq),
        (error: Error) => this.storageFailed(conn, seq, error),
      );
  }

  /** Binary frames are waveforms: same tokens, in-flight limit and drain on stop as numerics. */
  private handleWaveFrame(conn: DeviceConnection, data: RawData): void {
    const id = conn.device.id;
    conn.waves ??= new WaveStream(id, this.deps.waves!, {
      send: (text) => conn.socket.send(text),
      refused: (code, clockFault) => (clockFault ? this.clockFaults.refused(id, clockFault) : this.deps.sink.rejected(id, 'websocket', code)),
      accepted: () => this.clockFaults.accepted(id),
      storageFailed: (error) => {
        conn.failed = true;
        this.deps.logger.error({ device: id, err: error.message }, 'wave storage failed; closing device connection');
        conn.socket.close(1011, 'storage unavailable');
      },
    });
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const commit = conn.waves.receive(bytes, this.now());
    if (!commit) return;
    conn.inFlight++;
    if (conn.inFlight >= this.maxInFlight) this.pause(conn, 'backlog');
    void commit.then(() => {
      conn.inFlight--;
      this.notifyDrain();
      if (conn.pausedFor.has('backlog') && conn.inFlight <= this.maxInFlight / 2) this.resume(conn, 'backlog');
    });
  }

  private reportRejectedVitals(conn: DeviceConnection, rejected: readonly { vital: string; code: string }[] | undefined): void {
    for (const r of rejected ?? []) {
      this.deps.sink.rejected(conn.device.id, 'websocket', r.code);
    }
  }

  private committed(conn: DeviceConnection, seq: number): void {
    conn.inFlight--;
    this.notifyDrain();
    if (conn.pausedFor.has('backlog') && conn.inFlight <= this.maxInFlight / 2) this.resume(conn, 'backlog');
    if (conn.failed) return;
    if (seq > conn.pendingAckSeq) conn.pendingAckSeq = seq;
    this.acks.add(conn);
  }

  private sendAck(conn: DeviceConnection): boolean {
    if (conn.failed || conn.pendingAckSeq <= conn.ackedSeq) return false;
    conn.ackedSeq = conn.pendingAckSeq;
    const ack: AckFrame = { type: 'ack', seq: conn.ackedSeq };
    conn.socket.send(JSON.stringify(ack));
    return true;
  }

  /** Acks written since start. */
  get acksSent(): number {
    return this.acks.sent;
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
    // Bounded whatever produced the message: an error reply never amplifies the input.
    const frame: ErrorFrame = { type: 'error', seq, code, message: message.slice(0, MAX_ERROR_MESSAGE_CHARS) };
    conn.socket.send(JSON.stringify(frame));
  }

  /**
   * Storage fell behind (or caught up). Back-pressure reaches the devices through TCP before frames
   * pile up in memory, but only the devices holding at least their share of storage's queue stop
   * being read: a monitor sending at an ordinary pace beside a flood keeps being read, so its
   * alarms are judged while the disk is behind. Memory stays bounded: a device still being read
   * holds less than its share, so all of them together hold less than the high-water mark again.
   */
  private storagePressure(backlogged: boolean): void {
    const share = this.storageShare();
    for (const conn of this.connections.values()) {
      if (!backlogged) this.resume(conn, 'storage');
      else if (conn.inFlight >= share) this.pause(conn, 'storage');
    }
  }

  /**
   * The event loop fell behind (or caught up). The devices sending more than their share stop
   * being read until it catches up, so what is left of the loop goes to the others first: a frame
   * from a monitor at an ordinary pace no longer waits behind the reads of hundreds of busier
   * sockets. Nothing is dropped; TCP holds the busy devices back.
   */
  private loadPressure(overloaded: boolean): void {
    const share = this.loadShare();
    for (const conn of this.connections.values()) {
      if (!overloaded) this.resume(conn, 'load');
      else if (conn.recentFrames >= share) this.pause(conn, 'load');
    }
  }

  /** Recent frames above which a device is not read while the event loop is behind. */
  private loadShare(): number {
    return Math.max(MIN_LOAD_SHARE, this.recentFrames / Math.max(1, this.connections.size));
  }

  private decayRecentFrames(): void {
    let total = 0;
    for (const conn of this.connections.values()) {
      conn.recentFrames /= 2;
      total += conn.recentFrames;
    }
    this.recentFrames = total;
    // Still behind: the paused devices whose count has faded below the share take their turn.
    if (!this.deps.load?.overloaded) return;
    const share = this.loadShare();
    for (const conn of this.connections.values()) {
      if (conn.pausedFor.has('load') && conn.recentFrames < share) this.resume(conn, 'load');
    }
  }

  /** Frames awaiting commit one device may hold while storage is backlogged. */
  private storageShare(): number {
    const highWater = this.deps.storage?.highWater ?? Infinity;
    return Math.max(MIN_STORAGE_SHARE, Math.floor(highWater / Math.max(1, this.connections.size)));
  }

  private pause(conn: DeviceConnection, reason: PauseReason): void {
    conn.pausedFor.add(reason);
    conn.socket.pause();
  }

  private resume(conn: DeviceConnection, reason: PauseReason): void {
    if (!conn.pausedFor.delete(reason)) return;
    if (conn.pausedFor.size === 0 && !this.stopping) {
      // A full heartbeat interval to read the pong that waited behind the unread frames.
      conn.alive = true;
      conn.socket.resume();
    }
  }

  private notifyDrain(): void {
    if (this.drainWaiters.length > 0) queueMicrotask(() => this.drainWaiters.splice(0).forEach((resolve) => resolve()));
  }

  /**
   * Liveness: a frame or a pong since the last tick. While the station itself has paused the
   * socket (rate, backlog, storage, load) it is not reading, so the pong sits unread behind the device's frames:
   * a missing pong then proves nothing, and back-pressure must not cost the device its connection.
   * Once reading resumes, the pong (or the next frame) arrives and the check applies again.
   */
  private checkHeartbeats(): void {
    for (const conn of this.connections.values()) {
      if (conn.pausedFor.size > 0) continue;
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

const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
