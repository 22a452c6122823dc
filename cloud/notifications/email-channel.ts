import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationChannel, OutgoingMessage, SendOutcome } from './channel.js';
import type { SmtpConfig } from './notification-config.js';

/** SMTP replies 5xx are final (unknown mailbox, refused); 4xx and network trouble are worth a retry. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The Message-ID names the notification, so a receiving system can recognise a resend. */
export function messageId(id: number, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'ward-cloud.invalid';
  return `<notification-${id}@${domain}>`;
}

/**
 * Email over SMTP with nodemailer's pooled transport: a few long-lived connections per replica,
 * each carrying many messages, instead of a connection per notification.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(private readonly config: SmtpConfig) {
    this.transport = nodemailer.createTransport({
      pool: true,
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTls,
      maxConnections: config.pool,
      maxMessages: Infinity,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
      ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
    });
  }

  async send(batch: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    return Promise.all(
      batch.map(async (message): Promise<SendOutcome> => {
        try {
          await this.transport.sendMail({
            from: this.config.from,
            to: message.recipient,
            subject: message.subject,
            text: message.body,
            messageId: messageId(message.id, this.config.from),
            headers: { 'X-Ward-Notification-Id': String(message.id) },
          });
          return { id: message.id, ok: true };
        } catch (error) {
          return { id: message.id, ok: false, permanent: isPermanent(error), error: (error as Error).message.slice(0, 300) };
        }
      }),
    );
  }

  close(): void {
    this.transport.close();
  }
}
