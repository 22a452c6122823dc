import type { CloudEnv } from '../config.js';

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

/** README "Cloud: reports, notifications and video". */
export function videoConfigFrom(env: CloudEnv): VideoConfig {
  const kind = env.CLOUD_VIDEO_PROVIDER;
  if (kind === 'http' && !env.CLOUD_VIDEO_HTTP_URL) throw new Error('CLOUD_VIDEO_PROVIDER=http needs CLOUD_VIDEO_HTTP_URL');
  return {
    leadMs: env.CLOUD_VIDEO_LEAD_MINUTES * 60_000,
    provider:
      kind === 'jitsi'
        ? { kind, domain: env.CLOUD_JITSI_DOMAIN, appId: env.CLOUD_JITSI_APP_ID, secret: env.CLOUD_JITSI_SECRET ?? null }
        : { kind, url: env.CLOUD_VIDEO_HTTP_URL!, token: env.CLOUD_VIDEO_HTTP_TOKEN ?? null },
    timeoutMs: env.CLOUD_VIDEO_TIMEOUT_MS,
    breakerFailures: env.CLOUD_VIDEO_BREAKER_FAILURES,
    breakerCooldownMs: env.CLOUD_VIDEO_BREAKER_COOLDOWN_SECONDS * 1000,
    maxAttempts: env.CLOUD_VIDEO_MAX_ATTEMPTS,
    pollMs: env.CLOUD_VIDEO_POLL_MS,
    fallbackPhone: env.CLOUD_VIDEO_FALLBACK_PHONE ?? null,
  };
}
