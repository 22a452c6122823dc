import type { CloudContext } from '../context.js';
import { startPollLoop } from '../workers/poll-loop.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WEBHOOKS_DUE_CHANNEL } from './webhook-events.js';
import { WebhookSender } from './webhook-sender.js';

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * The webhook dispatcher of one replica: woken at the commit of a change that queued deliveries
 * (cluster bus), and otherwise every `pollMs` for retries that came due. Several replicas can run
 * it at once; their claims never overlap.
 */
export function webhookDispatcher(logger?: Logger) {
  return (ctx: CloudContext): { stop(): Promise<void> } => {
    const config = ctx.config.webhooks;
    const sender = new WebhookSender(config.timeoutMs);
    const dispatcher = new WebhookDispatcher(ctx.sql, sender, config);
    const loop = startPollLoop(
      async () => (await dispatcher.dispatchBatch()).claimed === config.batchSize,
      config.pollMs,
      (error) => logger?.warn({ err: error.message }, 'webhook dispatcher: database trouble; trying again'),
    );
    void ctx.bus.subscribe(WEBHOOKS_DUE_CHANNEL, () => loop.wake()).catch((error: Error) => logger?.warn({ err: error.message }, 'webhook dispatcher: no wake-ups from the cluster bus; polling only'));
    return {
      async stop() {
        await loop.stop();
        await sender.close();
      },
    };
  };
}
