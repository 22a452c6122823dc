/**
 * `npm run cloud`: one replica of the cloud service. `npm run cloud -- migrate` only brings the
 * schema up to date and exits (for controlled upgrades: migrate once, then roll the replicas). With no DATABASE_URL it runs on an embedded
 * PostgreSQL in its data folder (created at the first start, with a first admin account whose
 * password is shown on an interactive terminal or written to an owner-only file). See README "The cloud".
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { deliverSecret } from './auth/secret-output.js';
import { loadCloudConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded-postgres.js';
import { connect } from './db/sql.js';
import { migrate } from './db/migrate.js';
import { MIGRATIONS } from './db/migrations/index.js';
import { notificationDispatcher } from './notifications/notification-workers.js';
import { reportWorker } from './reports/report-workers.js';
import { startCloudService } from './service.js';
import { videoRoomWorker } from './video/video-workers.js';
import { webhookDispatcher } from './webhooks/webhook-worker.js';

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = connect(adminUrl, { max: 1 });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  const config = loadCloudConfig();
  const readyJson = process.argv.includes('--ready-json');
  let embedded: EmbeddedServer | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), port: config.embeddedPostgresPort });
    databaseUrl = await ensureDatabase(embedded.url, 'ward_cloud');
  }
  if (process.argv[2] === 'migrate') {
    const sql = connect(databaseUrl, { max: 2, applicationName: 'ward-cloud-migrate' });
    try {
      const { mode, applied } = await migrate(sql, MIGRATIONS, config.storageMode);
      process.stdout.write(`${JSON.stringify({ migrated: true, storageMode: mode, applied, known: MIGRATIONS.map((m) => m.id) })}\n`);
    } finally {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    }
    return;
  }
  const workerLog = pino({ level: config.logLevel, base: { app: 'ward-cloud' } });
  const service = await startCloudService({ ...config, databaseUrl }, {
    // The metrics listener, apart from the API, so Prometheus can reach it on an internal address
    // while the API sits behind the load balancer.
    metrics: config.metrics,
    // CLOUD_WORKERS=false: a replica that serves the API only (workers run on other replicas).
    // CLOUD_REPORT_WORKER=false: reports run in their own process (cloud/workers/report-worker-main.ts).
    workers: config.workers
      ? [
          ...(config.reportWorker ? [reportWorker(workerLog.child({ component: 'reports' }))] : []),
          notificationDispatcher(workerLog.child({ component: 'notifications' })),
          videoRoomWorker(workerLog.child({ component: 'video' })),
          webhookDispatcher(workerLog.child({ component: 'webhooks' })),
        ]
      : [],
  });
  const created = await service.ctx.users.bootstrapAdmin();
  let admin: { username: string; passwordFile: string | null } | null = null;
  if (created) {
    // Never on stdout unless a person is at the terminal: stdout ends up in service logs.
    process.stdout.write(`\nFirst start: an administrator account was created (username: ${created.username}).\n`);
    const file = config.adminPasswordFile ?? join(config.dataDir, 'initial-admin-password');
    const delivered = deliverSecret('  password', created.password, file);
    if (delivered.file) process.stdout.write(`  Its password is in ${delivered.file} (readable by this user only); delete the file after signing in.\n`);
    process.stdout.write('Sign in, change the password (POST /v1/me/password) and create the other accounts.\n\n');
    admin = { username: created.username, passwordFile: delivered.file };
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await service.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    process.exit(0);
  };
  // Before saying it is ready: a supervisor may stop it the moment it reads that line.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  const ready = { url: service.url, metricsUrl: service.metricsUrl, storageMode: service.ctx.mode, embeddedDatabase: embedded !== null, admin };
  if (readyJson) process.stdout.write(`${JSON.stringify({ ready })}\n`);
  else process.stdout.write(`Ward cloud listening on ${service.url} (storage: ${service.ctx.mode}${embedded ? ', embedded PostgreSQL' : ''}); OpenAPI at ${service.url}/v1/openapi.json\n`);
}

main().catch((error: Error) => {
  console.error(`ward cloud could not start: ${error.message}`);
  process.exit(1);
});
