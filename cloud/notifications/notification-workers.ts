import type { CloudContext } from '../context.js';
import { startPollLoop } from '../workers/poll-loop.js';
import type { NotificationChannel } from './channel.js';
import { NotificationDispatcher } from './dispatcher.js';
import { EmailChannel } from './email-channel.js';
import type { NotificationConfig } from './notification-config.js';
import { SmsChannel } from './sms-channel.js';

interface Logger {
  warn(obj: object, msg: string): void;
}

export function channelsFor(config: NotificationConfig): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (config.smtp) channels.push(new EmailChannel(config.smtp));
  if (config.sms) channels.push(new SmsChannel(config.sms));
  return channels;
}

/**
 * The dispatcher of one replica: drains what is due, then waits `pollMs`. Several replicas can
 * run it at once; their claims never overlap.
 */
export function notificationDispatcher(logger?: Logger) {
  return (ctx: CloudContext): { stop(): Promise<void> } => {
    const config = ctx.config.notifications;
    const dispatcher = new NotificationDispatcher(ctx.sql, channelsFor(config), config);
    const loop = startPollLoop(
      async () => {
        await dispatcher.drain();
        return false;
      },
      config.pollMs,
      (error) => logger?.warn({ err: error.message }, 'notification dispatcher: database trouble; trying again'),
    );
    return {
      async stop() {
        await loop.stop();
        await dispatcher.close();
      },
    };
  };
}
