import type { StationApi } from '../../gateway/protocol/station-api.js';
import type { GatewayConnection, UiEvent, UiMethodName, UiMethods, UiServerMessage } from '../../gateway/protocol/ui-channel.js';
import { TOKEN_CHECK_PATH } from '../../gateway/protocol/ui-channel.js';

declare global {
  interface Window {
    station?: StationApi;
  }
}

/**
 * `no_token`: the page was opened without its access link; `token_refused`: the station does not
 * accept the page's token; `disconnected`: the station cannot be reached (retrying).
 */
export type ClientStatus = 'connecting' | 'connected' | 'disconnected' | 'no_token' | 'token_refused';

/**
 * The renderer's one typed client of the gateway. In Electron the preload gives the connection;
 * in a browser the token comes from the page URL's fragment. Reconnects by itself: a nurse must
 * never have to reload the page to see the ward again.
 */
export class GatewayClient {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly eventListeners = new Set<(event: UiEvent) => void>();
  private readonly statusListeners = new Set<(status: ClientStatus) => void>();
  private connection: GatewayConnection | null = null;
  private retryMs = 250;
  private closed = false;
  private status: ClientStatus = 'connecting';

  async start(): Promise<void> {
    this.connection = await resolveConnection();
    if (!this.connection.token) {
      // Retrying cannot help: say what is wrong instead of "unreachable".
      this.emitStatus('no_token');
      return;
    }
    window.station?.onGatewayRestarted((c) => {
      this.connection = c;
      this.socket?.close();
    });
    this.open();
  }

  onEvent(listener: (event: UiEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: ClientStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  call<M extends UiMethodName>(method: M, params: UiMethods[M]['params']): Promise<UiMethods[M]['result']> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected to the station'));
    const id = this.nextId++;
    socket.send(JSON.stringify({ type: 'request', id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private open(): void {
    if (!this.connection) return;
    // A retry keeps saying what went wrong until it succeeds.
    if (this.status === 'connecting' || this.status === 'connected') this.emitStatus('connecting');
    const socket = new WebSocket(`${this.connection.url}?token=${encodeURIComponent(this.connection.token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 250;
      this.emitStatus('connected');
    };
    socket.onmessage = (message) => this.onMessage(JSON.parse(String(message.data)) as UiServerMessage);
    let opened = false;
    socket.addEventListener('open', () => (opened = true));
    socket.onclose = () => {
      for (const p of this.pending.values()) p.reject(new Error('connection to the station lost'));
      this.pending.clear();
      const retry = () => {
        if (this.closed) return;
        setTimeout(() => this.open(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 5000);
      };
      if (opened) {
        this.emitStatus('disconnected');
        retry();
        return;
      }
      // Refused before opening: a browser hides the 401, so ask the station whether it is the token.
      void this.tokenRefused().then((refused) => {
        this.emitStatus(refused ? 'token_refused' : 'disconnected');
        retry();
      });
    };
  }

  private onMessage(message: UiServerMessage): void {
    if (message.type === 'response') {
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!p) return;
      if (message.ok) p.resolve(message.result);
      else p.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      return;
    }
    for (const listener of this.eventListeners) listener(message);
  }

  private async tokenRefused(): Promise<boolean> {
    const connection = this.connection;
    if (!connection) return false;
    try {
      const url = new URL(TOKEN_CHECK_PATH, connection.url.replace(/^ws/, 'http'));
      const response = await fetch(url, { headers: { authorization: `Bearer ${connection.token}` }, cache: 'no-store' });
      return response.status === 401;
    } catch {
      return false;
    }
  }

  private emitStatus(status: ClientStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

async function resolveConnection(): Promise<GatewayConnection> {
  if (window.station) return window.station.connection();
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return { url: `${scheme}://${location.host}/ui`, token };
}
