import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { CloudMetrics } from './cloud-metrics.js';
import type { MetricsConfig } from './metrics-config.js';

interface Logger {
  warn(obj: object, msg: string): void;
}

/** Times every response of the API by its route template (never the URL: it holds ids). */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: CloudMetrics): void {
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.request(request.method, request.routeOptions.url ?? null, reply.statusCode, reply.elapsedTime / 1000);
  });
}

/**
 * `GET /metrics` on its own listener. A port already in use is logged and the replica serves on
 * without metrics: monitoring must never keep the API down.
 */
export async function startMetricsServer(metrics: CloudMetrics, config: MetricsConfig, logger: Logger): Promise<{ url: string | null; close(): Promise<void> }> {
  if (config.port === null) return { url: null, close: async () => {} };
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (error) => {
      logger.warn({ err: error.message, host: config.host, port: config.port }, 'metrics listener could not start; serving without /metrics');
      resolve(false);
    });
    server.listen(config.port!, config.host, () => resolve(true));
  });
  if (!listening) return { url: null, close: async () => {} };
  const { port } = server.address() as { port: number };
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
