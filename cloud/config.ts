import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { HashingLimits } from './auth/password-hasher.js';
import { NotificationEnv, notificationConfigFrom, type NotificationConfig } from './notifications/notification-config.js';
import { ReportEnv, reportConfigFrom, type ReportConfig } from './reports/report-config.js';
import { VideoEnv, videoConfigFrom, type VideoConfig } from './video/video-config.js';

/** Nine weeks: the seeds' bookings reach eight weeks ahead, a search covers up to 31 days. */
export const DEFAULT_AVAILABILITY_DAYS = 63;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The service's own variables; reports, notifications and video bring theirs. */
const ServiceEnv = Type.Object({
  CLOUD_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  CLOUD_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Unset: an embedded PostgreSQL in the data folder. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// URL' })),
  CLOUD_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Port of the embedded PostgreSQL (0: any free one). */
  CLOUD_EMBEDDED_PG_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  /** Where the first admin's password is written when no one is at the terminal. */
  CLOUD_ADMIN_PASSWORD_FILE: Type.Optional(Type.String({ minLength: 1 })),
  CLOUD_STORAGE_MODE: Type.Union([Type.Literal('auto'), Type.Literal('timescaledb'), Type.Literal('native')], { default: 'auto' }),
  CLOUD_JWT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  CLOUD_ACCESS_TOKEN_TTL: Type.Integer({ minimum: 30, maximum: 3600, default: 900 }),
  CLOUD_VITALS_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
  CLOUD_DB_POOL: Type.Integer({ minimum: 2, maximum: 500, default: 20 }),
  CLOUD_LOG_LEVEL: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info' }),
  CLOUD_AVAILABILITY_DAYS: Type.Integer({ minimum: 0, maximum: 731, default: DEFAULT_AVAILABILITY_DAYS }),
  CLOUD_WORKERS: Type.Boolean({ default: true }),
  CLOUD_TRUST_PROXY: Type.Boolean({ default: false }),
  CLOUD_CORS_ORIGINS: Type.String({ default: '' }),
  CLOUD_HSTS: Type.Boolean({ default: false }),
  CLOUD_PASSWORD_HASH_THREADS: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  CLOUD_PASSWORD_HASH_QUEUE: Type.Integer({ minimum: 0, maximum: 10_000, default: 32 }),
});

/** Every environment variable the cloud reads, with its type, bounds and default. */
export const CloudEnvSchema = Type.Object({ ...ServiceEnv.properties, ...ReportEnv.properties, ...NotificationEnv.properties, ...VideoEnv.properties });
export type CloudEnv = Static<typeof CloudEnvSchema>;

export interface CloudConfig {
  readonly host: string;
  readonly port: number;
  /** null: run an embedded PostgreSQL in `dataDir`. */
  readonly databaseUrl: string | null;
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
    trustProxy: env.CLOUD_TRUST_PROXY,
    corsOrigins: env.CLOUD_CORS_ORIGINS.split(',').map((o) => o.trim()).filter((o) => o !== ''),
    hsts: env.CLOUD_HSTS,
    passwordHashing: { threads: env.CLOUD_PASSWORD_HASH_THREADS, maxQueued: env.CLOUD_PASSWORD_HASH_QUEUE },
    reports: reportConfigFrom(env),
    notifications: notificationConfigFrom(env),
    video: videoConfigFrom(env),
  };
}
