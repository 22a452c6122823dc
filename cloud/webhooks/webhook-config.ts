import type { CloudEnv } from '../config.js';
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

/** From the validated environment (README "Webhooks"). */
export function webhookConfigFrom(env: CloudEnv): WebhookConfig {
  return {
    allowHttpLoopback: env.CLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK,
    maxAttempts: env.CLOUD_WEBHOOK_MAX_ATTEMPTS,
    disableAfterFailures: env.CLOUD_WEBHOOK_DISABLE_AFTER,
    backoff: {
      baseMs: env.CLOUD_WEBHOOK_BACKOFF_BASE_MS,
      capMs: env.CLOUD_WEBHOOK_BACKOFF_CAP_MS,
      // Half jitter: retries of many deliveries spread out, yet each waits at least half its step.
      jitter: 0.5,
    },
    timeoutMs: env.CLOUD_WEBHOOK_TIMEOUT_MS,
    concurrency: env.CLOUD_WEBHOOK_CONCURRENCY,
    batchSize: env.CLOUD_WEBHOOK_BATCH,
    leaseMs: env.CLOUD_WEBHOOK_LEASE_SECONDS * 1000,
    pollMs: env.CLOUD_WEBHOOK_POLL_MS,
    retentionDays: env.CLOUD_WEBHOOK_RETENTION_DAYS,
  };
}
