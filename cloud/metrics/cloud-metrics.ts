import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchResult } from '../../gateway/protocol/sync-batch.js';
import { run, type Sql } from '../db/sql.js';
import { DATABASE_CONNECTIONS, MAX_CONNECTIONS, NOTIFICATIONS_DUE, NOTIFICATIONS_SENDING, REPORT_QUEUE, VIDEO_ROOMS_CREATING, VIDEO_ROOMS_DUE } from './queue-depth-queries.js';

/**
 * Prometheus metrics of one cloud replica. Request latency and ingest counts are this replica's;
 * queue depths and database connections are read from the database at scrape time, so every
 * replica reports the same cluster-wide figures (aggregate them with max, not sum). Labels carry
 * route templates (`/v1/patients/:patientId`), never ids, names or other patient data.
 */
export class CloudMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram;
  private readonly batches: Counter;
  private readonly rows: Counter;
  private readonly queueDepth: Gauge;
  private readonly queueOldest: Gauge;
  private readonly connections: Gauge;
  private readonly maxConnections: Gauge;
  private readonly databaseUp: Gauge;

  constructor(
    private readonly sql: Sql,
    poolSize: number,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ward_cloud_' });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'ward_cloud_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code, from receipt to the last byte sent',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.batches = new Counter({ name: 'ward_cloud_ingest_batches_total', help: 'Station batches accepted: stored, or replayed (already stored)', labelNames: ['result'], registers });
    this.rows = new Counter({ name: 'ward_cloud_ingest_rows_total', help: 'Station rows by stream and outcome (stored, duplicate, refused)', labelNames: ['stream', 'outcome'], registers });
    this.queueDepth = new Gauge({ name: 'ward_cloud_queue_depth', help: 'Background jobs waiting (due) or in progress, by queue', labelNames: ['queue', 'state'], registers });
    this.queueOldest = new Gauge({ name: 'ward_cloud_queue_oldest_due_seconds', help: 'Age of the oldest job waiting in each queue (0 when none)', labelNames: ['queue'], registers });
    this.connections = new Gauge({ name: 'ward_cloud_db_connections', help: 'Client connections to the database, by application name and state (all replicas)', labelNames: ['application', 'state'], registers });
    this.maxConnections = new Gauge({ name: 'ward_cloud_db_max_connections', help: "The server's max_connections", registers });
    new Gauge({ name: 'ward_cloud_db_pool_size', help: "This replica's pool size (CLOUD_DB_POOL)", registers }).set(poolSize);
    this.databaseUp = new Gauge({ name: 'ward_cloud_database_up', help: '1 when the last scrape could read the database, else 0 (the other database gauges keep their last values)', registers });
  }

  /** Called once per response; `route` is the matched template, or null for no route (404). */
  request(method: string, route: string | null, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route: route ?? 'unmatched', status_code: String(statusCode) }, seconds);
  }

  ingested(result: BatchResult): void {
    this.batches.inc({ result: result.replayed ? 'replayed' : 'stored' });
    if (result.replayed) return;
    this.rows.inc({ stream: 'observations', outcome: 'stored' }, result.observations.stored);
    this.rows.inc({ stream: 'observations', outcome: 'duplicate' }, result.observations.duplicates);
    this.rows.inc({ stream: 'alarmEvents', outcome: 'stored' }, result.alarmEvents.stored);
    this.rows.inc({ stream: 'alarmEvents', outcome: 'duplicate' }, result.alarmEvents.duplicates);
    for (const stream of ['observations', 'alarmEvents'] as const) {
      const refused = result.refused.filter((r) => r.stream === stream).length;
      if (refused > 0) this.rows.inc({ stream, outcome: 'refused' }, refused);
    }
  }

  /** The Prometheus text, after reading the database gauges. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    await this.readDatabase();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async readDatabase(): Promise<void> {
    try {
      // One after the other: a scrape holds one pooled connection at a time, never seven.
      const reports = await run<{ state: string; depth: number; oldestSeconds: number }>(this.sql, REPORT_QUEUE);
      const [notificationsDue] = await run<{ depth: number; oldestSeconds: number }>(this.sql, NOTIFICATIONS_DUE);
      const [notificationsSending] = await run<{ depth: number }>(this.sql, NOTIFICATIONS_SENDING);
      const [videoDue] = await run<{ depth: number; oldestSeconds: number }>(this.sql, VIDEO_ROOMS_DUE);
      const [videoCreating] = await run<{ depth: number }>(this.sql, VIDEO_ROOMS_CREATING);
      const connections = await run<{ application: string; state: string; connections: number }>(this.sql, DATABASE_CONNECTIONS);
      const [settings] = await run<{ maxConnections: number }>(this.sql, MAX_CONNECTIONS);
      const queued = reports.find((r) => r.state === 'queued');
      this.queueDepth.set({ queue: 'reports', state: 'due' }, queued?.depth ?? 0);
      this.queueDepth.set({ queue: 'reports', state: 'in_progress' }, reports.find((r) => r.state === 'running')?.depth ?? 0);
      this.queueOldest.set({ queue: 'reports' }, queued?.oldestSeconds ?? 0);
      this.queueDepth.set({ queue: 'notifications', state: 'due' }, notificationsDue!.depth);
      this.queueDepth.set({ queue: 'notifications', state: 'in_progress' }, notificationsSending!.depth);
      this.queueOldest.set({ queue: 'notifications' }, notificationsDue!.oldestSeconds);
      this.queueDepth.set({ queue: 'video_rooms', state: 'due' }, videoDue!.depth);
      this.queueDepth.set({ queue: 'video_rooms', state: 'in_progress' }, videoCreating!.depth);
      this.queueOldest.set({ queue: 'video_rooms' }, videoDue!.oldestSeconds);
      this.connections.reset();
      for (const c of connections) this.connections.set({ application: c.application, state: c.state }, c.connections);
      this.maxConnections.set(settings!.maxConnections);
      this.databaseUp.set(1);
    } catch {
      this.databaseUp.set(0);
    }
  }
}
