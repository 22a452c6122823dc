import { Agent, request } from 'undici';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

export interface SendOutcome {
  readonly ok: boolean;
  readonly statusCode: number | null;
  /** Why it failed, for the delivery log: a status line or a network error code, never a body. */
  readonly error: string | null;
  readonly durationMs: number;
}

export interface SignedRequest {
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly attempt: number;
}

/**
 * Posts one signed event. 2xx is delivered; anything else (a redirect included: the endpoint's
 * URL is the one an administrator registered) is a failure to retry. Each phase has a timeout so
 * a receiver that hangs holds a dispatcher slot for a bounded time.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  }

  async send(message: SignedRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await request(message.url, {
        method: 'POST',
        dispatcher: this.agent,
        body: message.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ward-cloud-webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(message.secret, message.body, Math.floor(this.now() / 1000)),
          'ward-event-id': message.eventId,
          'ward-event-type': message.eventType,
          'ward-delivery-attempt': String(message.attempt),
        },
      });
      // The answer's body is not needed; read at most a little of it so the connection can be reused.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { ok, statusCode: response.statusCode, error: ok ? null : `HTTP ${response.statusCode}`, durationMs: elapsed() };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { ok: false, statusCode: null, error: (code ?? (error as Error).message).slice(0, 200), durationMs: elapsed() };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
