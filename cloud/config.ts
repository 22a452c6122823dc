import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HashingLimits } from './auth/password-hasher.js';

export interface CloudConfig {
  readonly host: string;
  readonly port: number;
  /** null: run an embedded PostgreSQL in `dataDir`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
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
  /** Password hashing threads and queue (CLOUD_PASSWORD_HASH_THREADS, CLOUD_PASSWORD_HASH_QUEUE). */
  readonly passwordHashing: HashingLimits;
  /** Take the client address from X-Forwarded-For (behind a load balancer or reverse proxy). */
  readonly trustProxy: boolean;
  /** Browser-app origins allowed by CORS (CLOUD_CORS_ORIGINS, comma-separated); none by default. */
  readonly corsOrigins: readonly string[];
  /** Send Strict-Transport-Security (CLOUD_HSTS). */
  readonly hsts: boolean;
}

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

/** Nine weeks: the seeds' bookings reach eight weeks ahead, a search covers up to 31 days. */
export const DEFAULT_AVAILABILITY_DAYS = 63;

/** An integer environment variable within bounds, or the fallback when unset; a clear error otherwise. */
export function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max} (got ${raw})`);
  return value;
}

function envBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false (got ${raw})`);
  return raw === 'true';
}

/** Configuration from the environment; every variable is optional (see README "The cloud"). */
export function loadCloudConfig(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const mode = env.CLOUD_STORAGE_MODE ?? 'auto';
  if (mode !== 'auto' && mode !== 'timescaledb' && mode !== 'native') throw new Error(`CLOUD_STORAGE_MODE must be auto, timescaledb or native (got ${mode})`);
  return {
    host: env.CLOUD_HOST ?? '127.0.0.1',
    port: envInteger(env, 'CLOUD_PORT', 8080, 0, 65535),
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.CLOUD_DATA_DIR ?? defaultDataDir(env),
    storageMode: mode,
    jwtSecret: env.CLOUD_JWT_SECRET || null,
    accessTokenTtlSeconds: envInteger(env, 'CLOUD_ACCESS_TOKEN_TTL', 900, 30, 3600),
    vitalsRetentionDays: envInteger(env, 'CLOUD_VITALS_RETENTION_DAYS', 90, 1, 3650),
    poolSize: envInteger(env, 'CLOUD_DB_POOL', 20, 2, 500),
    logLevel: env.CLOUD_LOG_LEVEL ?? 'info',
    availabilityDays: envInteger(env, 'CLOUD_AVAILABILITY_DAYS', DEFAULT_AVAILABILITY_DAYS, 0, 731),
    workers: envBoolean(env, 'CLOUD_WORKERS', true),
    reportWorker: envBoolean(env, 'CLOUD_REPORT_WORKER', true),
    trustProxy: envBoolean(env, 'CLOUD_TRUST_PROXY', false),
    corsOrigins: (env.CLOUD_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter((o) => o !== ''),
    hsts: envBoolean(env, 'CLOUD_HSTS', false),
    passwordHashing: {
      threads: envInteger(env, 'CLOUD_PASSWORD_HASH_THREADS', 2, 1, 64),
      maxQueued: envInteger(env, 'CLOUD_PASSWORD_HASH_QUEUE', 32, 0, 10_000),
    },
  };
}
