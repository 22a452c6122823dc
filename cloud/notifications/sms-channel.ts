import { PermanentError, withTimeout } from '../resilience/retry.js';
import type { NotificationChannel, OutgoingMessage, SendOutcome } from './channel.js';

/**
 * SMS through an HTTP provider: one POST of JSON `{ id, to, text }` per message to the
 * configured URL (with a bearer token if set). 2xx = accepted; 4xx = refused for good; 5xx,
 * timeouts and network errors = try again later. `id` lets the provider drop a resend.
 */
export class SmsChannel implements NotificationChannel {
  readonly name = 'sms' as const;

  constructor(private readonly options: { url: string; token: string | null; concurrency: number; timeoutMs?: number }) {}

  async send(batch: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = new Array(batch.length);
    let next = 0;
    const lane = async () => {
      while (next < batch.length) {
        const index = next++;
        outcomes[index] = await this.sendOne(batch[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, batch.length) }, lane));
    return outcomes;
  }

  private async sendOne(message: OutgoingMessage): Promise<SendOutcome> {
    try {
      await withTimeout(this.options.timeoutMs ?? 10_000, async (signal) => {
        const response = await fetch(this.options.url, {
          method: 'POST',
          signal,
          headers: { 'content-type': 'application/json', ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
          body: JSON.stringify({ id: `notification-${message.id}`, to: message.recipient, text: message.body }),
        });
        await response.arrayBuffer();
        if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new PermanentError(`SMS provider refused: HTTP ${response.status}`);
        if (!response.ok) throw new Error(`SMS provider failed: HTTP ${response.status}`);
      });
      return { id: message.id, ok: true };
    } catch (error) {
      return { id: message.id, ok: false, permanent: error instanceof PermanentError, error: (error as Error).message.slice(0, 300) };
    }
  }

  close(): void {}
}
