import type { CloudEnv } from '../config.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../resilience/backoff.js';

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly requireTls: boolean;
  readonly user: string | null;
  readonly password: string | null;
  readonly from: string;
  /** Pooled connections per replica. */
  readonly pool: number;
}

export interface NotificationConfig {
  /** null: no email is sent; email notifications wait in the outbox as queued. */
  readonly smtp: SmtpConfig | null;
  /** null: no SMS is sent (they wait as queued). */
  readonly sms: { readonly url: string; readonly token: string | null; readonly concurrency: number } | null;
  readonly batchSize: number;
  readonly maxAttempts: number;
  /** A claimed batch must be sent within this time, or another dispatcher may take it again. */
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly backoff: BackoffPolicy;
}

/** README "Cloud: reports, notifications and video". */
export function notificationConfigFrom(env: CloudEnv): NotificationConfig {
  const host = env.CLOUD_SMTP_HOST;
  return {
    smtp: host
      ? {
          host,
          port: env.CLOUD_SMTP_PORT,
          secure: env.CLOUD_SMTP_SECURE,
          requireTls: env.CLOUD_SMTP_REQUIRE_TLS,
          user: env.CLOUD_SMTP_USER ?? null,
          password: env.CLOUD_SMTP_PASSWORD ?? null,
          from: env.CLOUD_SMTP_FROM,
          pool: env.CLOUD_SMTP_POOL,
        }
      : null,
    sms: env.CLOUD_SMS_URL ? { url: env.CLOUD_SMS_URL, token: env.CLOUD_SMS_TOKEN ?? null, concurrency: env.CLOUD_SMS_CONCURRENCY } : null,
    batchSize: env.CLOUD_NOTIFY_BATCH,
    maxAttempts: env.CLOUD_NOTIFY_MAX_ATTEMPTS,
    leaseMs: env.CLOUD_NOTIFY_LEASE_SECONDS * 1000,
    pollMs: env.CLOUD_NOTIFY_POLL_MS,
    backoff: { ...DEFAULT_BACKOFF, baseMs: env.CLOUD_NOTIFY_BACKOFF_BASE_SECONDS * 1000, capMs: env.CLOUD_NOTIFY_BACKOFF_CAP_SECONDS * 1000 },
  };
}
