import { envInteger } from '../config.js';
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

/** From the environment (README "Cloud: reports, notifications and video"). */
export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  const host = env.CLOUD_SMTP_HOST;
  return {
    smtp: host
      ? {
          host,
          port: envInteger(env, 'CLOUD_SMTP_PORT', 587, 1, 65535),
          secure: env.CLOUD_SMTP_SECURE === 'true',
          requireTls: env.CLOUD_SMTP_REQUIRE_TLS === 'true',
          user: env.CLOUD_SMTP_USER || null,
          password: env.CLOUD_SMTP_PASSWORD || null,
          from: env.CLOUD_SMTP_FROM ?? 'Ward clinic <no-reply@localhost>',
          pool: envInteger(env, 'CLOUD_SMTP_POOL', 5, 1, 100),
        }
      : null,
    sms: env.CLOUD_SMS_URL ? { url: env.CLOUD_SMS_URL, token: env.CLOUD_SMS_TOKEN || null, concurrency: envInteger(env, 'CLOUD_SMS_CONCURRENCY', 10, 1, 200) } : null,
    batchSize: envInteger(env, 'CLOUD_NOTIFY_BATCH', 200, 1, 5000),
    maxAttempts: envInteger(env, 'CLOUD_NOTIFY_MAX_ATTEMPTS', 8, 1, 50),
    leaseMs: envInteger(env, 'CLOUD_NOTIFY_LEASE_SECONDS', 300, 10, 3600) * 1000,
    pollMs: envInteger(env, 'CLOUD_NOTIFY_POLL_MS', 1000, 50, 60_000),
    backoff: { ...DEFAULT_BACKOFF, baseMs: envInteger(env, 'CLOUD_NOTIFY_BACKOFF_BASE_SECONDS', 30, 1, 3600) * 1000, capMs: envInteger(env, 'CLOUD_NOTIFY_BACKOFF_CAP_SECONDS', 3600, 1, 86_400) * 1000 },
  };
}
