import type { CloudContext } from '../context.js';
import type { NotificationChannel } from './channel.js';
import { NotificationDispatcher } from './dispatcher.js';
import { EmailChannel } from './email-channel.js';
import { loadNotificationConfig, type NotificationConfig } from './notification-config.js';
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
export function notificationDispatcher(logger?: Logger, env: NodeJS.ProcessEnv = process.env) {
  return (ctx: CloudContext): { stop(): Promise<void> } => {
    const config = loadNotificationConfig(env);
    const dispatcher = new NotificationDispatcher(ctx.sql, channelsFor(config), config);
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    let wake: () => void = () => {};
    const loop = (async () => {
      while (!stopped) {
        try {
          await dispatcher.drain();
        } catch (error) {
          logger?.warn({ err: (error as Error).message }, 'notification dispatcher: database trouble; trying again');
        }
        if (stopped) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, config.pollMs);
        });
      }
    })();
    return {
      async stop() {
        stopped = true;
        if (timer) clearTimeout(timer);
        wake();
        await loop;
        await dispatcher.close();
      },
    };
  };
}
