import type { Sql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { backoffDelay, type BackoffPolicy } from '../resilience/backoff.js';
import type { NotificationChannel, OutgoingMessage } from './channel.js';

/**
 * Claims a batch of due notifications of one channel. SKIP LOCKED: dispatchers on several
 * replicas each get different rows; the status moves to 'sending' in the same statement, so a
 * row is handed to exactly one dispatcher.
 */
export const CLAIM_NOTIFICATIONS = `
UPDATE notifications n SET status = 'sending', attempts = n.attempts + 1, lease_until = $3, updated_at = $2
FROM (
  SELECT id FROM notifications
  WHERE channel = $1 AND status IN ('queued', 'failed') AND due_at <= $2
  ORDER BY due_at
  LIMIT $4
  FOR UPDATE SKIP LOCKED) due
WHERE n.id = due.id
RETURNING n.id, n.recipient, n.subject, n.body, n.attempts`;

/**
 * Rows left 'sending' past their lease: the dispatcher died mid-batch. They may or may not have
 * gone out; they are retried (at-least-once across a crash; the Message-ID lets mail systems
 * recognise the resend).
 */
export const RECLAIM_ABANDONED = `
UPDATE notifications SET status = CASE WHEN attempts >= $2 THEN 'gave_up' ELSE 'failed' END,
  last_error = 'dispatcher stopped while sending (lease expired)', lease_until = NULL, due_at = $1, updated_at = $1
WHERE status = 'sending' AND lease_until < $1`;

export const MARK_SENT = `
UPDATE notifications SET status = 'sent', sent_at = $2, lease_until = NULL, updated_at = $2
WHERE id = ANY($1::bigint[]) AND status = 'sending'`;

/** A failure is retried after its backoff, unless it was final or the attempts are used up. */
export const MARK_FAILED = `
UPDATE notifications n SET
  status = CASE WHEN f.permanent OR n.attempts >= $5 THEN 'gave_up' ELSE 'failed' END,
  last_error = f.error, due_at = $4::timestamptz + f.delay_ms * interval '1 millisecond', lease_until = NULL, updated_at = $4
FROM unnest($1::bigint[], $2::text[], $3::text[]::boolean[], $6::bigint[]) AS f(id, error, permanent, delay_ms)
WHERE n.id = f.id AND n.status = 'sending'`;

export interface DispatchResult {
  readonly claimed: number;
  readonly sent: number;
  readonly failed: number;
}

export interface DispatcherOptions {
  readonly batchSize: number;
  readonly maxAttempts: number;
  readonly leaseMs: number;
  readonly backoff: BackoffPolicy;
  /** Batches per channel in flight at once (default 2). */
  readonly lanes?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * Sends the outbox in batches per channel (so a reminder run of thousands of bookings is a few round trips, not one per message): one claim per batch, the
 * channel sends the batch concurrently over its pool, and one statement each records the sent
 * and the failed. States: queued → sending → sent | failed (retried after backoff) | gave_up.
 */
export class NotificationDispatcher {
  private readonly now: () => number;

  constructor(
    private readonly sql: Sql,
    private readonly channels: readonly NotificationChannel[],
    private readonly options: DispatcherOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** One batch of one channel. */
  async dispatchBatch(channel: NotificationChannel): Promise<DispatchResult> {
    const now = this.now();
    await run(this.sql, RECLAIM_ABANDONED, [new Date(now), this.options.maxAttempts]);
    const batch = await run<OutgoingMessage & { attempts: number }>(this.sql, CLAIM_NOTIFICATIONS, [channel.name, new Date(now), new Date(now + this.options.leaseMs), this.options.batchSize]);
    if (batch.length === 0) return { claimed: 0, sent: 0, failed: 0 };
    const outcomes = await channel.send(batch);
    const sent = outcomes.filter((o) => o.ok).map((o) => o.id);
    const failed = outcomes.flatMap((o) => (o.ok ? [] : [o]));
    const attemptsById = new Map(batch.map((m) => [m.id, m.attempts]));
    const done = this.now();
    if (sent.length > 0) await run(this.sql, MARK_SENT, [sent, new Date(done)]);
    if (failed.length > 0) {
      await run(this.sql, MARK_FAILED, [
        failed.map((f) => f.id),
        failed.map((f) => f.error),
        failed.map((f) => String(f.permanent)),
        new Date(done),
        this.options.maxAttempts,
        failed.map((f) => backoffDelay(attemptsById.get(f.id) ?? 1, this.options.backoff, this.options.random)),
      ]);
    }
    return { claimed: batch.length, sent: sent.length, failed: failed.length };
  }

  /**
   * Every channel, batch after batch, until nothing is due. `lanes` batches of a channel are in
   * flight at once, so the next claim overlaps the current send instead of leaving the SMTP pool
   * idle during the database round trips. Channels are drained side by side.
   */
  async drain(): Promise<DispatchResult> {
    const total = { claimed: 0, sent: 0, failed: 0 };
    const lane = async (channel: NotificationChannel) => {
      for (;;) {
        const r = await this.dispatchBatch(channel);
        total.claimed += r.claimed;
        total.sent += r.sent;
        total.failed += r.failed;
        if (r.claimed < this.options.batchSize) return;
      }
    };
    const lanes = Math.max(1, this.options.lanes ?? 2);
    await Promise.all(this.channels.flatMap((channel) => Array.from({ length: lanes }, () => lane(channel))));
    return total;
  }

  async close(): Promise<void> {
    for (const channel of this.channels) await channel.close();
  }
}
