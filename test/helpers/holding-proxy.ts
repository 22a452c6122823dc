import { createServer, type Server } from 'node:http';
import { request } from 'undici';

/**
 * An HTTP proxy between a station and the cloud, standing in for a load balancer: forwards every
 * request; answers 503 with Retry-After: 1 while the cloud is unreachable; and, when armed,
 * forwards one request to the cloud but never answers the station (the worst moment for a crash:
 * the cloud committed, the station does not know).
 */
export async function startHoldingProxy(target: string): Promise<{
  url: string;
  forwarded: number;
  /** Paths of every request the cloud received through the proxy, in order. */
  readonly paths: string[];
  /** Called after each request the cloud answered (listener → unsubscribe). */
  onForward(listener: () => void): () => void;
  /** The next forwarded request is committed upstream and its answer withheld; resolves then. */
  holdNext(): Promise<void>;
  close(): Promise<void>;
}> {
  let hold: (() => void) | null = null;
  const held: Array<() => void> = [];
  const state = { forwarded: 0 };
  const listeners = new Set<() => void>();
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const headers = { ...req.headers };
          delete headers.host;
          delete headers.connection;
          const upstream = await request(`${target}${req.url}`, { method: req.method as 'PUT', headers, body: Buffer.concat(chunks) });
          const body = Buffer.from(await upstream.body.arrayBuffer());
          state.forwarded++;
          paths.push(req.url!);
          if (hold) {
            const done = hold;
            hold = null;
            held.push(() => res.destroy());
            done();
            return;
          }
          res.writeHead(upstream.statusCode, { 'content-type': String(upstream.headers['content-type'] ?? 'application/json') });
          res.end(body);
          for (const listener of [...listeners]) listener();
        } catch {
          res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
          res.end('{"error":"unavailable","message":"cloud unreachable"}');
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    get forwarded() {
      return state.forwarded;
    },
    onForward(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    holdNext: () => new Promise<void>((resolve) => (hold = resolve)),
    async close() {
      for (const release of held) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
