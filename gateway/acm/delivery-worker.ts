/**
 * Delivers one recipient's queue in order, one message at a time (head of line): the next
 * message leaves only when the previous one is acknowledged or given up, so an ACM never sees
 * an alarm's end before its start.
 *
 * The retry rule:
 * - no connection, connection lost, or no ACK in time: the ACM never answered, so the message
 *   is sent again after a backoff, for as long as it takes (at least once; a duplicate carries
 *   the same MSH-10);
 * - AE (the ACM had an error processing it): sent again after a backoff, at most
 *   `maxErrorAttempts` times in all, then given up (state `failed`) so one message the ACM
 *   cannot take does not hold up every later alarm;
 * - AR (the ACM refuses the message): resending the same bytes cannot help; given up at once.
 */
import { fullJitterDelay } from '../common/backoff.js';
import type { AcmOutbox, OutboxMessage, Recipient } from './acm-outbox.js';
import { LinkError, type MllpLink } from './mllp-link.js';
import { writeWhenFree } from './write-when-free.js';

export interface DeliveryOptions {
  readonly ackTimeoutMs: number;
  readonly maxErrorAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
  readonly now: () => number;
  readonly random?: () => number;
}

export type DeliveryEvent =
  | { readonly type: 'delivered'; readonly recipient: Recipient; readonly controlId: string; readonly alarmId: string }
  | { readonly type: 'failed'; readonly recipient: Recipient; readonly controlId: string; readonly alarmId: string; readonly reason: string }
  | { readonly type: 'retrying'; readonly recipient: Recipient; readonly controlId: string; readonly reason: string; readonly delayMs: number };

export class DeliveryWorker {
  private running = false;
  private wake: (() => void) | null = null;
  private stopWait: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** Consecutive failures of the head message (for the backoff); reset by any answer. */
  private failures = 0;
  /** Since when the head has been failing to get through; null while messages get through. */
  stuckSince: number | null = null;

  constructor(
    readonly recipient: Recipient,
    private readonly link: MllpLink,
    private readonly outbox: AcmOutbox,
    private readonly options: DeliveryOptions,
    private readonly onEvent: (event: DeliveryEvent) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Something was queued: go on at once if idle. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.link.close();
    this.stopWait?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delayMs: number | null;
      try {
        const head = this.outbox.head(this.recipient);
        if (!head) {
          await this.idle(null);
          continue;
        }
        delayMs = await this.deliver(head);
      } catch (error) {
        // A storage fault must not end delivery for good: say it, wait, try again.
        delayMs = this.options.backoff.capMs;
        this.onEvent({ type: 'retrying', recipient: this.recipient, controlId: '', reason: `outbox: ${(error as Error).message}`, delayMs });
      }
      if (delayMs !== null) await this.idle(delayMs);
    }
  }

  /** Sends the head once; returns how long to wait before trying again, or null to go on. */
  private async deliver(head: OutboxMessage): Promise<number | null> {
    const base = { recipient: this.recipient, controlId: head.controlId, alarmId: head.alarmId };
    let ack;
    try {
      ack = await this.link.send(head.message, head.controlId, this.options.ackTimeoutMs);
    } catch (error) {
      if (!this.running) return null;
      const reason = error instanceof LinkError ? error.message : `send failed: ${(error as Error).message}`;
      return this.retry(head, reason, false);
    }
    if (ack.code === 'AA') {
      this.failures = 0;
      this.stuckSince = null;
      await writeWhenFree(() => this.outbox.delivered(head.id, this.options.now()));
      this.onEvent({ type: 'delivered', ...base });
      return null;
    }
    const reason = `${ack.code}${ack.text ? `: ${ack.text}` : ''}`;
    if (ack.code === 'AR' || head.attempts + 1 >= this.options.maxErrorAttempts) {
      this.failures = 0;
      this.stuckSince = null;
      await writeWhenFree(() => this.outbox.failed(head.id, reason, this.options.now()));
      this.onEvent({ type: 'failed', ...base, reason });
      return null;
    }
    return this.retry(head, reason, true);
  }

  private async retry(head: OutboxMessage, reason: string, counts: boolean): Promise<number> {
    // Only answers from the ACM use up the error budget; an unreachable ACM never does.
    if (counts) await writeWhenFree(() => this.outbox.attempted(head.id, reason));
    this.failures++;
    this.stuckSince ??= this.options.now();
    const { baseMs, capMs } = this.options.backoff;
    // At least the base: full jitter may draw 0, and a refused connection then spins.
    const delayMs = Math.max(baseMs, fullJitterDelay(this.failures, baseMs, capMs, this.options.random));
    this.onEvent({ type: 'retrying', recipient: this.recipient, controlId: head.controlId, reason, delayMs });
    return delayMs;
  }

  /** Waits for a nudge (nothing queued) or for the backoff; `stop` ends either wait. */
  private idle(delayMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        this.stopWait = null;
        resolve();
      };
      const timer = delayMs === null ? null : setTimeout(done, delayMs);
      // During a backoff new alarms only join the queue: waking would hammer a dead ACM.
      this.wake = delayMs === null ? done : null;
      this.stopWait = done;
    });
  }
}
