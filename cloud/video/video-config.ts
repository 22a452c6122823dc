import { envInteger } from '../config.js';
export interface VideoConfig {
  /** Rooms are made this long before the start. */
  readonly leadMs: number;
  readonly provider:
    | { readonly kind: 'jitsi'; readonly domain: string; readonly appId: string; readonly secret: string | null }
    | { readonly kind: 'http'; readonly url: string; readonly token: string | null };
  readonly timeoutMs: number;
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
  readonly maxAttempts: number;
  readonly pollMs: number;
  /** Told to staff when no room could be made: the clinic's phone line for the consultation. */
  readonly fallbackPhone: string | null;
}

/** From the environment (README "Cloud: reports, notifications and video"). */
export function loadVideoConfig(env: NodeJS.ProcessEnv = process.env): VideoConfig {
  const kind = env.CLOUD_VIDEO_PROVIDER ?? 'jitsi';
  if (kind !== 'jitsi' && kind !== 'http') throw new Error(`CLOUD_VIDEO_PROVIDER must be jitsi or http (got ${kind})`);
  if (kind === 'http' && !env.CLOUD_VIDEO_HTTP_URL) throw new Error('CLOUD_VIDEO_PROVIDER=http needs CLOUD_VIDEO_HTTP_URL');
  return {
    leadMs: envInteger(env, 'CLOUD_VIDEO_LEAD_MINUTES', 15, 1, 24 * 60) * 60_000,
    provider:
      kind === 'jitsi'
        ? { kind, domain: env.CLOUD_JITSI_DOMAIN ?? 'meet.jit.si', appId: env.CLOUD_JITSI_APP_ID ?? 'ward-cloud', secret: env.CLOUD_JITSI_SECRET || null }
        : { kind, url: env.CLOUD_VIDEO_HTTP_URL!, token: env.CLOUD_VIDEO_HTTP_TOKEN || null },
    timeoutMs: envInteger(env, 'CLOUD_VIDEO_TIMEOUT_MS', 5000, 100, 120_000),
    breakerFailures: envInteger(env, 'CLOUD_VIDEO_BREAKER_FAILURES', 5, 1, 1000),
    breakerCooldownMs: envInteger(env, 'CLOUD_VIDEO_BREAKER_COOLDOWN_SECONDS', 60, 1, 3600) * 1000,
    maxAttempts: envInteger(env, 'CLOUD_VIDEO_MAX_ATTEMPTS', 10, 1, 100),
    pollMs: envInteger(env, 'CLOUD_VIDEO_POLL_MS', 5000, 50, 600_000),
    fallbackPhone: env.CLOUD_VIDEO_FALLBACK_PHONE || null,
  };
}
