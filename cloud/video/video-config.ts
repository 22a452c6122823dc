import { Type, type Static } from '@sinclair/typebox';

const Text = Type.Optional(Type.String({ minLength: 1 }));

/** The video rooms' environment variables (part of the cloud's one validated configuration). */
export const VideoEnv = Type.Object({
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
export function videoConfigFrom(env: Static<typeof VideoEnv>): VideoConfig {
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
