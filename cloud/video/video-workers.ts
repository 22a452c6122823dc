import type { CloudContext } from '../context.js';
import { startPollLoop } from '../workers/poll-loop.js';
import { HttpVideoProvider } from './http-provider.js';
import { JitsiProvider } from './jitsi-provider.js';
import { RoomWorker } from './room-worker.js';
import type { VideoConfig } from './video-config.js';
import type { VideoProvider } from './video-provider.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function providerFor(config: VideoConfig): VideoProvider | null {
  if (config.provider.kind === 'http') return new HttpVideoProvider(config.provider);
  if (!config.provider.secret) return null;
  return new JitsiProvider({ domain: config.provider.domain, appId: config.provider.appId, secret: config.provider.secret });
}

/** The room job of one replica. Without a usable provider it does not run (rooms wait, join says "preparing" then falls back). */
export function videoRoomWorker(logger?: Logger) {
  return (ctx: CloudContext): { stop(): Promise<void> | void } => {
    const config = ctx.config.video;
    const provider = providerFor(config);
    if (!provider) {
      logger?.warn({}, 'video rooms: CLOUD_JITSI_SECRET is not set; no rooms will be made (join answers with the phone fallback)');
      return { stop() {} };
    }
    const worker = new RoomWorker(ctx.sql, provider, {
      leaseMs: Math.max(60_000, config.timeoutMs * 50),
      batchSize: 20,
      maxAttempts: config.maxAttempts,
      timeoutMs: config.timeoutMs,
      breaker: { failureThreshold: config.breakerFailures, cooldownMs: config.breakerCooldownMs },
      triesPerClaim: 2,
      backoff: { baseMs: 15_000, capMs: 120_000, jitter: 1 },
      onBreakerChange: (state) => logger?.warn({ state, provider: provider.name }, 'video provider circuit breaker'),
    });
    const loop = startPollLoop(async () => (await worker.runOnce()).claimed === 20, config.pollMs, (error) => logger?.warn({ err: error.message }, 'video rooms: trouble; trying again'));
    return { stop: () => loop.stop() };
  };
}
