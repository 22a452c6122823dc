import { envInteger } from '../config.js';
import type { BackoffPolicy } from '../resilience/backoff.js';

export interface WebhookConfig {
  /**
   * Plain http:// to a loopback address (127.0.0.1, ::1, localhost) is accepted only with this
   * (CLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK=true: tests and local development); otherwise https only.
   */
  readonly allowHttpLoopback: boolean;
  /** Attempts of one delivery before it is given up (status failed). */
  readonly maxAttempts: number;
  /** Failed attempts in a row, across deliveries, that disable an endpoint. */
  readonly disableAfterFailures: number;
  readonly backoff: BackoffPolicy;
  /** Connect plus response headers, and then the body, each within this. */
  readonly timeoutMs: number;
  /** Deliveries sent at once by one replica. */
  readonly concurrency: number;
  readonly batchSize: number;
  /** A claimed delivery must be finished within this, or another dispatcher takes it again. */
  readonly leaseMs: number;
  readonly pollMs: number;
  /** Delivered and failed deliveries (and their attempt log) are kept this long. */
  readonly retentionDays: number;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`${name} must be true or false (got ${raw})`);
}

/** From the environment (README "Webhooks"). */
export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  return {
    allowHttpLoopback: flag(env, 'CLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK'),
    maxAttempts: envInteger(env, 'CLOUD_WEBHOOK_MAX_ATTEMPTS', 12, 1, 50),
    disableAfterFailures: envInteger(env, 'CLOUD_WEBHOOK_DISABLE_AFTER', 30, 1, 10_000),
    backoff: {
      baseMs: envInteger(env, 'CLOUD_WEBHOOK_BACKOFF_BASE_MS', 10_000, 1, 3_600_000),
      capMs: envInteger(env, 'CLOUD_WEBHOOK_BACKOFF_CAP_MS', 3_600_000, 1, 86_400_000),
      // Half jitter: retries of many deliveries spread out, yet each waits at least half its step.
      jitter: 0.5,
    },
    timeoutMs: envInteger(env, 'CLOUD_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    concurrency: envInteger(env, 'CLOUD_WEBHOOK_CONCURRENCY', 16, 1, 256),
    batchSize: envInteger(env, 'CLOUD_WEBHOOK_BATCH', 100, 1, 1000),
    leaseMs: envInteger(env, 'CLOUD_WEBHOOK_LEASE_SECONDS', 120, 5, 3600) * 1000,
    pollMs: envInteger(env, 'CLOUD_WEBHOOK_POLL_MS', 2000, 20, 60_000),
    retentionDays: envInteger(env, 'CLOUD_WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
  };
}
