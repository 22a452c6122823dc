import { createServer, type Server } from 'node:http';
import { listen } from '../common/listen.js';
import type { HealthReport } from './station-health.js';

/**
 * `GET /health` (JSON; 200 when ok or warning, 503 when critical) for IT's monitoring, on its own
 * port so a probe never competes with the UI channel. Bound to loopback unless configured
 * otherwise; it reveals counts and device ids, never patient data. `GET /metrics` is served by
 * the same listener when a metrics source is given.
 */
export class HealthServer {
  private server: Server | null = null;

  constructor(
    private readonly options: { host: string; port: number },
    private readonly report: () => HealthReport,
    private readonly metrics: (() => Promise<{ contentType: string; body: string }>) | null = null,
  ) {}

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.options.port;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://station').pathname;
      if (req.method !== 'GET') {
        res.writeHead(405, { 'content-type': 'application/json', allow: 'GET' }).end('{"error":"method_not_allowed"}');
      } else if (path === '/health') {
        const report = this.report();
        res.writeHead(report.status === 'critical' ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(report));
      } else if (path === '/metrics' && this.metrics) {
        this.metrics().then(
          ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
          () => res.writeHead(500).end(),
        );
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      }
    });
    this.server = server;
    await listen(server, this.options.port, this.options.host);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
