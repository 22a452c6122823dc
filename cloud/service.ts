import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { buildApp, type RouteSet } from './app.js';
import { AccessTokens } from './auth/access-tokens.js';
import { LoginThrottle, type ThrottlePolicy } from './auth/login-throttle.js';
import { RefreshTokens } from './auth/refresh-tokens.js';
import { Revocations } from './auth/revocations.js';
import { configurePasswordHashing } from './auth/passwords.js';
import { loadSigningKey } from './auth/signing-key.js';
import { Users } from './auth/users.js';
import { AuditLog } from './audit/audit-log.js';
import { SecurityEvents } from './audit/security-events.js';
import { ClusterBus } from './cluster/cluster-bus.js';
import type { CloudConfig } from './config.js';
import type { CloudApp, CloudContext } from './context.js';
import { migrate } from './db/migrate.js';
import { MIGRATIONS } from './db/migrations/index.js';
import { ReadRouting } from './db/read-routing.js';
import { connect } from './db/sql.js';
import { OpenSlots } from './booking/open-slots.js';
import { BatchIngest, LATEST_CHANNEL } from './ingest/batch-ingest.js';
import { Patients } from './patients/patients.js';
import { StationCredentials } from './stations/station-credentials.js';
import { LatestVitalsCache } from './vitals/latest-vitals-cache.js';
import { NativePartitions } from './vitals/native-partitions.js';
import { VitalsHistory } from './vitals/vitals-history.js';
import { VitalsMaintenance } from './vitals/vitals-maintenance.js';
import { CloudMetrics } from './metrics/cloud-metrics.js';
import type { MetricsConfig } from './metrics/metrics-config.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { StopStack } from '../gateway/protocol/stop-stack.js';

export interface CloudService {
  readonly app: CloudApp;
  readonly ctx: CloudContext;
  /** http://host:port once listening. */
  readonly url: string;
  /** http://host:port/metrics when a metrics listener runs (CLOUD_METRICS_PORT), else null. */
  readonly metricsUrl: string | null;
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly logger?: FastifyBaseLogger;
  readonly throttle?: ThrottlePolicy;
  readonly extraRoutes?: RouteSet[];
  /** Background work started with the service (reports, notifications, ...). */
  readonly workers?: Array<(ctx: CloudContext) => { stop(): Promise<void> | void }>;
  /** The Prometheus listener (config.metrics); none when absent. */
  readonly metrics?: MetricsConfig;
}

/**
 * One replica of the cloud: connects, migrates (under the advisory lock), builds the routes,
 * starts maintenance and listens. Several may run against one database.
 */
export async function startCloudService(config: CloudConfig & { databaseUrl: string }, options: ServiceOptions = {}): Promise<CloudService> {
  const logger = options.logger ?? (pino({ level: config.logLevel, base: { app: 'ward-cloud' } }) as FastifyBaseLogger);
  // Everything started is stopped newest first: on close, and when a later start step fails.
  const stops = new StopStack(logger);
  return stops.startOrUnwind(async () => {
    const sql = connect(config.databaseUrl, { max: config.poolSize });
    const reads = new ReadRouting(sql, config.readDatabaseUrls.map((url) => connect(url, { max: config.poolSize, applicationName: 'ward-cloud-reads' })), { waitMs: config.readWaitMs });
    stops.defer('database', async () => {
      await reads.close();
      await sql.end({ timeout: 5 });
    });
    await configurePasswordHashing(config.passwordHashing);
    const { mode, applied } = await migrate(sql, MIGRATIONS, config.storageMode);
    if (applied.length > 0) logger.info({ applied, mode }, 'migrations applied');
    const bus = stops.adopt('cluster bus', new ClusterBus(sql), (bus) => bus.close());
    const latestVitals = new LatestVitalsCache(sql);
    await bus.subscribe(LATEST_CHANNEL, (payload) => latestVitals.invalidate(payload.split(',').map(Number)));
    bus.onResync(() => latestVitals.clear());
    const partitions = mode === 'native' ? new NativePartitions(sql) : null;
    const patients = new Patients(sql);
    const revocations = new Revocations(sql, bus, config.accessTokenTtlSeconds);
    const metrics = new CloudMetrics(sql, config.poolSize);
    await revocations.start();
    const ctx: CloudContext = {
      config,
      sql,
      reads,
      mode,
      users: new Users(sql, revocations),
      tokens: new AccessTokens(await loadSigningKey(sql, config.jwtSecret), config.accessTokenTtlSeconds, Date.now, revocations),
      refreshTokens: new RefreshTokens(sql, revocations),
      throttle: new LoginThrottle(sql, options.throttle),
      stations: new StationCredentials(sql),
      audit: new AuditLog(sql, logger),
      securityEvents: new SecurityEvents(sql, logger.child({ component: 'security' })),
      bus,
      patients,
      ingest: new BatchIngest(sql, mode, patients, latestVitals, bus, partitions, { retentionDays: config.vitalsRetentionDays }),
      latestVitals,
      history: new VitalsHistory(sql),
      startedAt: new Date(),
      appointmentHooks: [],
      openSlots: new OpenSlots(sql, config.availabilityDays),
      metrics,
    };
    stops.defer('audit', async () => {
      await ctx.audit.flush();
      await ctx.securityEvents.flush();
    });
    const maintenance = new VitalsMaintenance(sql, mode, partitions, config.vitalsRetentionDays, logger);
    stops.defer('vitals maintenance', () => maintenance.stop());
    await maintenance.start();
    // In the background: a first fill at full scale takes minutes; searches compute until then.
    const openSlotsReady = ctx.openSlots.start((error) => logger.warn({ err: error.message }, 'open slots maintenance failed'));
    stops.defer('open slots', async () => {
      ctx.openSlots.stop();
      await openSlotsReady;
    });
    const app = await buildApp(ctx, logger, options.extraRoutes, { trustProxy: config.trustProxy, corsOrigins: config.corsOrigins, hsts: config.hsts });
    stops.defer('api', () => app.close());
    await app.listen({ host: config.host, port: config.port });
    for (const start of options.workers ?? []) stops.adopt('worker', start(ctx), (worker) => worker.stop());
    const metricsServer = stops.adopt('metrics', await startMetricsServer(metrics, options.metrics ?? { host: '127.0.0.1', port: null }, logger), (server) => server.close());
    const address = app.server.address() as { port: number };
    return {
      app,
      ctx,
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`,
      metricsUrl: metricsServer.url,
      close: () => stops.stopAll(),
    };
  });
}
