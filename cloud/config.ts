import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { HashingLimits } from './auth/password-hasher.js';
import { notificationConfigFrom, type NotificationConfig } from './notifications/notification-config.js';
import { reportConfigFrom, type ReportConfig } from './reports/report-config.js';
import { videoConfigFrom, type VideoConfig } from './video/video-config.js';
import type { MetricsConfig } from './metrics/metrics-config.js';
import { webhookConfigFrom, type WebhookConfig } from './webhooks/webhook-config.js';
import { vitalStreamConfigFrom, type VitalStreamConfig } from './vitals/vital-stream-config.js';

/** Nine weeks: the seeds' bookings reach eight weeks ahead, a search covers up to 31 days. */
export const DEFAULT_AVAILABILITY_DAYS = 63;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A text variable with no default: unset, or something. */
const Text = Type.Optional(Type.String({ minLength: 1 }));

/**
 * Every environment variable the cloud reads, with its type, bounds and default (README "The
 * cloud" and "Cloud: reports, notifications and video" say what each does).
 */
export const CloudEnvSchema = Type.Object({
  // ---- The service ----
  CLOUD_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  CLOUD_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Unset: an embedded PostgreSQL in the data folder. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// URL' })),
  CLOUD_DATA_DIR: Text,
  /** Port of the embedded PostgreSQL (0: any free one). */
  CLOUD_READ_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'one or more postgres:// URLs, comma-separated' })),
  CLOUD_READ_WAIT_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  CLOUD_EMBEDDED_PG_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  /** Where the first admin's password is written when no one is at the terminal. */
  CLOUD_ADMIN_PASSWORD_FILE: Text,
  CLOUD_STORAGE_MODE: Type.Union([Type.Literal('auto'), Type.Literal('timescaledb'), Type.Literal('native')], { default: 'auto' }),
  CLOUD_JWT_SECRET: Text,
  CLOUD_ACCESS_TOKEN_TTL: Type.Integer({ minimum: 30, maximum: 3600, default: 900 }),
  CLOUD_VITALS_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
  CLOUD_DB_POOL: Type.Integer({ minimum: 2, maximum: 500, default: 20 }),
  CLOUD_LOG_LEVEL: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info' }),
  CLOUD_AVAILABILITY_DAYS: Type.Integer({ minimum: 0, maximum: 731, default: DEFAULT_AVAILABILITY_DAYS }),
  CLOUD_WORKERS: Type.Boolean({ default: true }),
  CLOUD_REPORT_WORKER: Type.Boolean({ default: true }),
  // Webhooks (README "Webhooks")
  CLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK: Type.Boolean({ default: false }),
  CLOUD_WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
  CLOUD_WEBHOOK_DISABLE_AFTER: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
  CLOUD_WEBHOOK_BACKOFF_BASE_MS: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 10_000 }),
  CLOUD_WEBHOOK_BACKOFF_CAP_MS: Type.Integer({ minimum: 1, maximum: 86_400_000, default: 3_600_000 }),
  CLOUD_WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  CLOUD_WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  CLOUD_WEBHOOK_BATCH: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  CLOUD_WEBHOOK_LEASE_SECONDS: Type.Integer({ minimum: 5, maximum: 3600, default: 120 }),
  CLOUD_WEBHOOK_POLL_MS: Type.Integer({ minimum: 20, maximum: 60_000, default: 2000 }),
  CLOUD_WEBHOOK_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  // Live vitals stream (README "Live vitals stream")
  CLOUD_VITALS_STREAM_HEARTBEAT_MS: Type.Integer({ minimum: 10, maximum: 300_000, default: 15_000 }),
  CLOUD_VITALS_STREAM_MAX_BUFFER_BYTES: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 256 * 1024 }),
  CLOUD_VITALS_STREAM_PER_USER: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
  CLOUD_VITALS_STREAM_REPLAY: Type.Integer({ minimum: 1, maximum: 100_000, default: 600 }),
  CLOUD_VITALS_STREAM_RETENTION_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }),
  CLOUD_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  CLOUD_METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  CLOUD_TRUST_PROXY: Type.Boolean({ default: false }),
  CLOUD_CORS_ORIGINS: Type.String({ default: '' }),
  CLOUD_HSTS: Type.Boolean({ default: false }),
  CLOUD_PASSWORD_HASH_THREADS: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  CLOUD_PASSWORD_HASH_QUEUE: Type.Integer({ minimum: 0, maximum: 10_000, default: 32 }),
  // ---- Reports ----
  CLOUD_REPORT_RETENTION_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 168 }),
  CLOUD_REPORT_LEASE_SECONDS: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
  CLOUD_REPORT_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  CLOUD_REPORT_POLL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 2000 }),
  // ---- Notifications ----
  /** Unset: no email is sent. */
  CLOUD_SMTP_HOST: Text,
  CLOUD_SMTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
  CLOUD_SMTP_SECURE: Type.Boolean({ default: false }),
  CLOUD_SMTP_REQUIRE_TLS: Type.Boolean({ default: false }),
  CLOUD_SMTP_USER: Text,
  CLOUD_SMTP_PASSWORD: Text,
  CLOUD_SMTP_FROM: Type.String({ minLength: 1, default: 'Ward clinic <no-reply@localhost>' }),
  CLOUD_SMTP_POOL: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  /** Unset: no SMS is sent. */
  CLOUD_SMS_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'an http(s):// URL' })),
  CLOUD_SMS_TOKEN: Text,
  CLOUD_SMS_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  CLOUD_NOTIFY_BATCH: Type.Integer({ minimum: 1, maximum: 5000, default: 200 }),
  CLOUD_NOTIFY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  CLOUD_NOTIFY_LEASE_SECONDS: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
  CLOUD_NOTIFY_POLL_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
  CLOUD_NOTIFY_BACKOFF_BASE_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  CLOUD_NOTIFY_BACKOFF_CAP_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 3600 }),
  // ---- Video rooms ----
  CLOUD_VIDEO_LEAD_MINUTES: Type.Integer({ minimum: 1, maximum: 24 * 60, default: 15 }),
  CLOUD_VIDEO_PROVIDER: Type.Union([Type.Literal('jitsi'), Type.Literal('http')], { default: 'jitsi' }),
  CLOUD_JITSI_DOMAIN: Type.String({ minLength: 1, default: 'meet.jit.si' }),
  CLOUD_JITSI_APP_ID: Type.String({ minLength: 1, default: 'ward-cloud' }),
  /** Unset (with the jitsi provider): no rooms are made. */
  CLOUD_JITSI_SECRET: Text,
  CLOUD_VIDEO_HTTP_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'an http(s):// URL' })),
  CLOUD_VIDEO_HTTP_TOKEN: Text,
  CLOUD_VIDEO_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
  CLOUD_VIDEO_BREAKER_FAILURES: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  CLOUD_VIDEO_BREAKER_COOLDOWN_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  CLOUD_VIDEO_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  CLOUD_VIDEO_POLL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 5000 }),
  CLOUD_VIDEO_FALLBACK_PHONE: Text,
});
export type CloudEnv = Static<typeof CloudEnvSchema>;

export interface CloudConfig {
  readonly host: string;
  readonly port: number;
  /** null: run an embedded PostgreSQL in `dataDir`. */
  readonly databaseUrl: string | null;
  /** Streaming replicas for history and search reads (CLOUD_READ_DATABASE_URL, comma-separated); none: all on the primary. */
  readonly readDatabaseUrls: readonly string[];
  /** How long a read waits for a replica to replay the client's last write before using the primary (CLOUD_READ_WAIT_MS). */
  readonly readWaitMs: number;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  /** null: `initial-admin-password` in the data folder. */
  readonly adminPasswordFile: string | null;
  readonly storageMode: 'auto' | 'timescaledb' | 'native';
  readonly jwtSecret: string | null;
  readonly accessTokenTtlSeconds: number;
  /** Raw vitals are kept this long; rollups longer (1 min: 2x, hour and day: 10 years). */
  readonly vitalsRetentionDays: number;
  readonly poolSize: number;
  readonly logLevel: string;
  /** Free slots are kept as rows this many days ahead; searches beyond are computed (slower). */
  readonly availabilityDays: number;
  /** Run the background workers (reports, notifications, video rooms) in this replica. */
  readonly workers: boolean;
  /** With workers: run reports here too (false when reports run in their own process, CLOUD_REPORT_WORKER). */
  readonly reportWorker: boolean;
  /** The Prometheus listener, apart from the API (CLOUD_METRICS_PORT unset: none; 0: any free port). */
  readonly metrics: MetricsConfig;
  readonly webhooks: WebhookConfig;
  readonly vitalStream: VitalStreamConfig;
  /** Password hashing threads and queue (CLOUD_PASSWORD_HASH_THREADS, CLOUD_PASSWORD_HASH_QUEUE). */
  readonly passwordHashing: HashingLimits;
  /** Take the client address from X-Forwarded-For (behind a load balancer or reverse proxy). */
  readonly trustProxy: boolean;
  /** Browser-app origins allowed by CORS (CLOUD_CORS_ORIGINS, comma-separated); none by default. */
  readonly corsOrigins: readonly string[];
  /** Send Strict-Transport-Security (CLOUD_HSTS). */
  readonly hsts: boolean;
  readonly reports: ReportConfig;
  readonly notifications: NotificationConfig;
  readonly video: VideoConfig;
}

/** A variable the cloud cannot use; the message names it and what it accepts. */
export class CloudConfigError extends Error {}

/**
 * Where the embedded database lives. As root (a service install), under /var/lib, because
 * PostgreSQL runs as its own user and cannot reach into root's home.
 */
function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/ward-cloud';
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ward-cloud');
  if (process.platform === 'win32') return join(env.APPDATA ?? homedir(), 'ward-cloud');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'ward-cloud');
}

/**
 * A variable's text as the type its schema wants. Strict on purpose: "7.5", "1e1", " 7" or "yes"
 * stay text and fail validation, where a lenient conversion would quietly read 7, 1, 7 or true.
 */
function fromText(schema: TSchema, text: string): unknown {
  if (schema.type === 'integer') return /^-?\d+$/.test(text) ? Number(text) : text;
  if (schema.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** What a schema accepts, in words, for the error message. */
function expectation(schema: TSchema): string {
  if (schema.type === 'integer') return `an integer from ${schema.minimum as number} to ${schema.maximum as number}`;
  if (schema.type === 'boolean') return 'true or false';
  if (Array.isArray(schema.anyOf)) {
    const values = (schema.anyOf as TSchema[]).map((s) => String(s.const));
    return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
  }
  return (schema.description as string | undefined) ?? 'a non-empty text';
}

/**
 * The environment, validated whole against `CloudEnvSchema`: unset or empty variables take their
 * defaults, the first unusable one stops the start with a message naming it. Only values of
 * closed types are repeated in the message: a text variable may hold a password or a URL with one.
 */
export function readCloudEnv(env: NodeJS.ProcessEnv = process.env): CloudEnv {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(CloudEnvSchema.properties)) {
    const text = env[name];
    if (text !== undefined && text !== '') values[name] = fromText(schema, text);
  }
  const withDefaults = Value.Default(CloudEnvSchema, values);
  const error = Value.Errors(CloudEnvSchema, withDefaults).First();
  if (error) {
    const name = error.path.slice(1);
    const schema = CloudEnvSchema.properties[name as keyof CloudEnv] as TSchema | undefined;
    if (!schema) throw new CloudConfigError(`cloud configuration: ${error.message}`);
    const closed = schema.type === 'integer' || schema.type === 'boolean' || Array.isArray(schema.anyOf);
    throw new CloudConfigError(`${name} must be ${expectation(schema)}${closed ? ` (got ${env[name]})` : ''}`);
  }
  return withDefaults as CloudEnv;
}

/** Configuration from the environment; every variable is optional (see README "The cloud"). */
export function loadCloudConfig(processEnv: NodeJS.ProcessEnv = process.env): CloudConfig {
  const env = readCloudEnv(processEnv);
  return {
    host: env.CLOUD_HOST,
    port: env.CLOUD_PORT,
    databaseUrl: env.DATABASE_URL ?? null,
    // A multi-host URL has commas of its own: split only where the next URL begins.
    readDatabaseUrls: (env.CLOUD_READ_DATABASE_URL ?? '').split(/,(?=\s*postgres(?:ql)?:\/\/)/).map((u) => u.trim()).filter((u) => u !== ''),
    readWaitMs: env.CLOUD_READ_WAIT_MS,
    dataDir: env.CLOUD_DATA_DIR ?? defaultDataDir(processEnv),
    embeddedPostgresPort: env.CLOUD_EMBEDDED_PG_PORT,
    adminPasswordFile: env.CLOUD_ADMIN_PASSWORD_FILE ?? null,
    storageMode: env.CLOUD_STORAGE_MODE,
    jwtSecret: env.CLOUD_JWT_SECRET ?? null,
    accessTokenTtlSeconds: env.CLOUD_ACCESS_TOKEN_TTL,
    vitalsRetentionDays: env.CLOUD_VITALS_RETENTION_DAYS,
    poolSize: env.CLOUD_DB_POOL,
    logLevel: env.CLOUD_LOG_LEVEL,
    availabilityDays: env.CLOUD_AVAILABILITY_DAYS,
    workers: env.CLOUD_WORKERS,
    reportWorker: env.CLOUD_REPORT_WORKER,
    metrics: { host: env.CLOUD_METRICS_HOST, port: env.CLOUD_METRICS_PORT ?? null },
    webhooks: webhookConfigFrom(env),
    vitalStream: vitalStreamConfigFrom(env),
    trustProxy: env.CLOUD_TRUST_PROXY,
    corsOrigins: env.CLOUD_CORS_ORIGINS.split(',').map((o) => o.trim()).filter((o) => o !== ''),
    hsts: env.CLOUD_HSTS,
    passwordHashing: { threads: env.CLOUD_PASSWORD_HASH_THREADS, maxQueued: env.CLOUD_PASSWORD_HASH_QUEUE },
    reports: reportConfigFrom(env),
    notifications: notificationConfigFrom(env),
    video: videoConfigFrom(env),
  };
}
