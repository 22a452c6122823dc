import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { loadCloudConfig } from '../../cloud/config.js';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';
import { connect } from '../../cloud/db/sql.js';
import { startCloudService, type CloudService } from '../../cloud/service.js';
import { WebhookEndpoints } from '../../cloud/webhooks/webhook-endpoints.js';
import { enqueueWebhookEvents } from '../../cloud/webhooks/webhook-outbox.js';
import { webhookDispatcher } from '../../cloud/webhooks/webhook-worker.js';
import { openSse } from '../helpers/sse-client.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

export interface PushBenchResult {
  readonly batches: number;
  /** The station's PUT, answered by replica A (the baseline: what ingest itself takes). */
  readonly putMs: { p50: number; p99: number };
  /** From the PUT's answer to the event on a stream held by replica B. */
  readonly streamLagMs: { p50: number; p99: number };
  readonly webhooks: { events: number; concurrency: number; perSecond: number; rawUndiciPerSecond: number };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

/**
 * Push, end to end on one embedded PostgreSQL with two replicas: how long after a station's batch
 * is answered the stream on the other replica has it (beside the batch's own answer time), and
 * webhook deliveries per second to a loopback receiver (beside bare undici POSTs of the same
 * bodies at the same concurrency).
 */
export async function pushBench(opts: { batches?: number; events?: number } = {}): Promise<PushBenchResult> {
  const batches = opts.batches ?? Number(process.env.BENCH_PUSH_BATCHES ?? 300);
  const eventCount = opts.events ?? Number(process.env.BENCH_PUSH_EVENTS ?? 2000);
  const concurrency = 16;
  const root = mkdtempSync(join(tmpdir(), 'ward-push-bench-'));
  chmodSync(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'data'), port: 0 });
  const admin = connect(pg.url, { max: 1 });
  await admin.unsafe('CREATE DATABASE push');
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = '/push';
  const databaseUrl = url.toString();
  const receiver = await startWebhookReceiver();
  const logger = pino({ level: 'silent' }) as FastifyBaseLogger;
  const config = { ...loadCloudConfig({ CLOUD_PORT: '0', CLOUD_STORAGE_MODE: 'native', CLOUD_WEBHOOK_CONCURRENCY: String(concurrency), CLOUD_WEBHOOK_POLL_MS: '50' }), databaseUrl, poolSize: 10 };
  let a: CloudService | null = null;
  let b: CloudService | null = null;
  try {
    a = await startCloudService(config, { logger, workers: [webhookDispatcher()] });
    b = await startCloudService(config, { logger });
    const station = await a.ctx.stations.provision('bench', 'Bench ward');
    const credential = `${station.stationId}.${station.secret}`;
    const physician = await b.ctx.users.create({ username: 'bench-physician', displayName: 'Bench', role: 'physician', password: 'correct horse battery staple' });
    const login = await fetch(`${b.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-physician', password: 'correct horse battery staple' }) });
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const patient = { mrn: 'MRN-BENCH', name: 'Bench Patient', birthDate: null };
    const put = async (id: number) => {
      const body = gzipSync(JSON.stringify({ observations: [{ id, deviceId: 'mon', bedId: 'B1', ts: Date.now() - 1000, patient, vitals: { HR: 60 + (id % 40), SPO2: 97 } }], alarmEvents: [] }));
      const response = await request(`${a!.url}/v1/stations/${station.stationId}/batches/b${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`batch ${id}: ${response.statusCode}`);
    };
    await put(1);
    const [row] = await a.ctx.sql<[{ id: number }]>`SELECT id FROM patients WHERE mrn = ${patient.mrn}`;
    const stream = await openSse(`${b.url}/v1/patients/${row.id}/vitals/stream`, token);
    await stream.until((c) => c.events.length >= 1);
    const putMs: number[] = [];
    const lagMs: number[] = [];
    for (let i = 2; i <= batches + 1; i++) {
      const seen = stream.events.length;
      const started = performance.now();
      await put(i);
      const answered = performance.now();
      await stream.until((c) => c.events.length > seen);
      putMs.push(answered - started);
      lagMs.push(Math.max(0, performance.now() - answered));
    }
    stream.close();

    // Webhooks: a burst committed in one transaction, delivered by replica A's dispatcher.
    await new WebhookEndpoints(a.ctx.sql).create({ url: receiver.url, events: ['alarm.event'], description: 'bench', createdBy: physician.id });
    const events = Array.from({ length: eventCount }, (_, i) => ({ type: 'alarm.event' as const, data: { stationId: 'bench', eventId: i + 1, priority: 'PH', phase: 'start' } }));
    const before = receiver.received.length;
    const started = performance.now();
    await a.ctx.sql.begin((tx) => enqueueWebhookEvents(tx, events));
    await receiver.waitFor(before + eventCount);
    const perSecond = eventCount / ((performance.now() - started) / 1000);

    // Baseline: the same bodies POSTed straight with undici, same concurrency, no database.
    const bodies = receiver.received.slice(before).map((r) => r.body);
    const agent = new Agent({ connections: concurrency });
    let next = 0;
    const rawStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const response = await request(receiver.url, { method: 'POST', dispatcher: agent, body: bodies[next++]!, headers: { 'content-type': 'application/json' } });
          await response.body.dump();
        }
      }),
    );
    const rawUndiciPerSecond = bodies.length / ((performance.now() - rawStarted) / 1000);
    await agent.close();
    return {
      batches,
      putMs: { p50: quantile(putMs, 0.5), p99: quantile(putMs, 0.99) },
      streamLagMs: { p50: quantile(lagMs, 0.5), p99: quantile(lagMs, 0.99) },
      webhooks: { events: eventCount, concurrency, perSecond, rawUndiciPerSecond },
    };
  } finally {
    await b?.close();
    await a?.close();
    await receiver.close();
    await pg.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
