import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../common/listen.js';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { UiEvent, UiMethods, UiMethodName, UiRequest, UiResponse } from '../protocol/ui-channel.js';
import { TOKEN_CHECK_PATH } from '../protocol/ui-channel.js';
import { UI_PARAMS } from '../protocol/ui-requests.js';
import { Value } from '@sinclair/typebox/value';
import { StationError } from '../domain/errors.js';
import type { Logger } from '../log.js';

/** Per-connection state: who is signed in at this screen. */
export interface UiSession {
  nurse: { readonly id: string; readonly name: string; readonly expiresAt: number } | null;
  /** Beds and waves whose live wave frames this screen asked for (the tiles it shows). */
  waves?: { readonly beds: ReadonlySet<string>; readonly codes: ReadonlySet<string> };
}

export type UiHandlers = {
  [M in UiMethodName]: (params: UiMethods[M]['params'], session: UiSession) => UiMethods[M]['result'] | Promise<UiMethods[M]['result']>;
};

export interface UiServerOptions {
  readonly host: string;
  readonly port: number;
  /** Folder of the built renderer (index.html and assets). */
  readonly rendererDir: string;
  /** The channel's secret (kept in the data folder); generated when not given. */
  readonly token?: string;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

/** Strict policy: the page talks only to its own origin over ws/http; no inline scripts. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the renderer and the UI channel on loopback. Anything on this machine can reach a
 * loopback port, so the channel requires the station's token that only the Electron window
 * (through the preload), whoever reads the startup line and the station's own user get.
 */
export class UiServer {
  readonly token: string;
  private server: Server | null = null;
  // Pushed JSON repeats the same keys every message: compressed (keeping the context between
  // messages) a 500-bed ward costs a page a few KB/s instead of tens.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: { threshold: 512, concurrencyLimit: 4 } });
  private readonly clients = new Set<WebSocket>();
  private readonly sessions = new Map<WebSocket, UiSession>();
  /** Bytes written to UI sockets, counted on the wire (after compression), for the benchmark. */
  private sentBytes = 0;
  private readonly sockets = new Map<WebSocket, { bytesWritten: number }>();

  constructor(
    private readonly options: UiServerOptions,
    private readonly handlers: UiHandlers,
    private readonly onClient: (send: (event: UiEvent) => void) => void,
    private readonly logger: Logger,
  ) {
    this.token = options.token ?? randomBytes(24).toString('base64url');
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.options.port;
  }

  /** The page URL with the token in the fragment (never sent to a server or written to a log). */
  get pageUrl(): string {
    return `http://${this.options.host}:${this.port}/#token=${this.token}`;
  }

  get channelUrl(): string {
    return `ws://${this.options.host}:${this.port}/ui`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.serveFile(req, res));
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://station');
      const token = url.searchParams.get('token') ?? '';
      if (url.pathname !== '/ui' || !this.validToken(token)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // An HTTP server's upgrade socket is a net.Socket.
        const wire = socket as Socket;
        this.sockets.set(ws, wire);
        ws.once('close', () => {
          this.sentBytes += wire.bytesWritten;
          this.sockets.delete(ws);
        });
        this.accept(ws);
      });
    });
    this.server = server;
    await listen(server, this.options.port, this.options.host);
  }

  broadcast(event: UiEvent): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(event);
    for (const ws of this.clients) {
      // A client that cannot keep up (a frozen tab) is dropped rather than buffering without bound.
      if (ws.bufferedAmount > 8 * 1024 * 1024) ws.terminate();
      else ws.send(text);
    }
  }

  /** Sends an event only to the screens `wants` (e.g. those showing a bed's wave). */
  publish(event: UiEvent, wants: (session: UiSession) => boolean): void {
    let text: string | null = null;
    for (const [ws, session] of this.sessions) {
      if (!wants(session)) continue;
      text ??= JSON.stringify(event);
      if (ws.bufferedAmount > 8 * 1024 * 1024) ws.terminate();
      else ws.send(text);
    }
  }

  /** Every byte written to UI clients since start, on the wire. */
  bytesWritten(): number {
    let total = this.sentBytes;
    for (const socket of this.sockets.values()) total += socket.bytesWritten;
    return total;
  }

  async stop(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    this.sessions.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private validToken(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private accept(ws: WebSocket): void {
    this.clients.add(ws);
    const session: UiSession = { nurse: null };
    this.sessions.set(ws, session);
    const gone = () => {
      this.clients.delete(ws);
      this.sessions.delete(ws);
    };
    ws.on('close', gone);
    ws.on('error', gone);
    ws.on('message', (data) => void this.onRequest(ws, data.toString(), session));
    this.onClient((event) => ws.send(JSON.stringify(event)));
  }

  private async onRequest(ws: WebSocket, text: string, session: UiSession): Promise<void> {
    let request: UiRequest;
    try {
      request = JSON.parse(text) as UiRequest;
    } catch {
      return;
    }
    if (request?.type !== 'request' || typeof request.id !== 'number') return;
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, request.method)
      ? (this.handlers[request.method] as (p: unknown, s: UiSession) => unknown)
      : undefined;
    let response: UiResponse;
    if (!handler) {
      response = { type: 'response', id: request.id, ok: false, error: { code: 'unknown_method', message: `no method ${String(request.method)}` } };
    } else {
      const params: unknown = request.params ?? {};
      const invalid = Value.Errors(UI_PARAMS[request.method], params).First();
      if (invalid) {
        const where = invalid.path || 'params';
        response = { type: 'response', id: request.id, ok: false, error: { code: 'invalid_params', message: `${request.method}: ${where} ${invalid.message}`.slice(0, 300) } };
        ws.send(JSON.stringify(response));
        return;
      }
      try {
        response = { type: 'response', id: request.id, ok: true, result: await handler(params, session) };
      } catch (error) {
        if (error instanceof StationError) {
          response = { type: 'response', id: request.id, ok: false, error: { code: error.code, message: error.message } };
        } else {
          // Unexpected: logged with the method only (the parameters may name a patient).
          this.logger.error({ method: request.method, err: (error as Error).message }, 'ui request failed');
          response = { type: 'response', id: request.id, ok: false, error: { code: 'internal', message: (error as Error).message ?? 'request failed' } };
        }
      }
    }
    ws.send(JSON.stringify(response));
  }

  private serveFile(req: IncomingMessage, res: ServerResponse): void {
    const root = resolve(this.options.rendererDir);
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://station').pathname);
    const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
    const file = join(root, relative);
    const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    if (pathname === TOKEN_CHECK_PATH) {
      const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      res.writeHead(this.validToken(presented) ? 204 : 401, headers).end();
      return;
    }
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (!existsSync(join(root, 'index.html'))) {
        res.writeHead(503, { ...headers, 'content-type': 'text/plain' }).end('The UI is not built. Run: npm run build');
        return;
      }
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }
}
