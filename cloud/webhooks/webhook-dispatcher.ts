import { run, type Sql } from '../db/sql.js';
import { backoffDelay } from '../resilience/backoff.js';
import type { WebhookConfig } from './webhook-config.js';
import type { WebhookBody } from './webhook-events.js';
import type { SendOutcome, WebhookSender } from './webhook-sender.js';

/**
 * Deliveries left 'sending' past their lease: the dispatcher stopped mid-send. The receiver may or
 * may not have them; they are sent again (at least once across a crash; the event id lets the
 * receiver recognise the repeat).
 */
export const RECLAIM_DELIVERIES = `
UPDATE webhook_deliveries SET status = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END,
  last_error = 'dispatcher stopped while sending (lease expired)', lease_until = NULL, next_attempt_at = $1
WHERE status = 'sending' AND lease_until < $1`;

/**
 * Due deliveries of enabled endpoints, oldest due first. SKIP LOCKED: dispatchers on several
 * replicas each take different rows, and the status moves to 'sending' in the same statement.
 */
export const CLAIM_DELIVERIES = `
UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, lease_until = $2
FROM (
  SELECT dd.id FROM webhook_deliveries dd JOIN webhook_endpoints w ON w.id = dd.endpoint_id
  WHERE dd.status = 'pending' AND dd.next_attempt_at <= $1 AND w.disabled_at IS NULL
  ORDER BY dd.next_attempt_at, dd.id
  LIMIT $3
  FOR UPDATE OF dd SKIP LOCKED) due, webhook_endpoints w
WHERE d.id = due.id AND w.id = d.endpoint_id
RETURNING d.id, d.endpoint_id AS "endpointId", d.event_id AS "eventId", d.event_type AS "eventType", d.payload::text AS payload,
  d.created_at AS "createdAt", d.attempts, w.url, w.secret`;

/** Delivered: the endpoint's run of failures ends. */
export const MARK_DELIVERED = `
WITH delivered AS (
  UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_status_code = $3, last_error = NULL
  WHERE id = $1 AND status = 'sending' RETURNING endpoint_id),
logged AS (
  INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms, status_code, error) VALUES ($1, $4, $2, $5, $3, NULL))
UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id IN (SELECT endpoint_id FROM delivered) AND consecutive_failures <> 0`;

/**
 * Failed: retried after its backoff, or given up when its attempts are used. The endpoint counts
 * the failure, and reaching the limit disables it (its deliveries wait until it is enabled again).
 * Returns whether this failure disabled the endpoint.
 */
export const MARK_FAILED = `
WITH failed AS (
  UPDATE webhook_deliveries SET status = CASE WHEN attempts >= $6 THEN 'failed' ELSE 'pending' END,
    next_attempt_at = $2::timestamptz + $7 * interval '1 millisecond', lease_until = NULL, last_status_code = $3, last_error = $4
  WHERE id = $1 AND status = 'sending' RETURNING endpoint_id),
logged AS (
  INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms, status_code, error) VALUES ($1, $9, $2, $5, $3, $4))
UPDATE webhook_endpoints w SET consecutive_failures = w.consecutive_failures + 1,
  disabled_at = CASE WHEN w.disabled_at IS NULL AND w.consecutive_failures + 1 >= $8 THEN $2 ELSE w.disabled_at END,
  disabled_reason = CASE WHEN w.disabled_at IS NULL AND w.consecutive_failures + 1 >= $8
    THEN (w.consecutive_failures + 1) || ' failed attempts in a row; the last: ' || $4::text ELSE w.disabled_reason END
WHERE w.id IN (SELECT endpoint_id FROM failed)
RETURNING w.disabled_at = $2 AS "disabledNow"`;

/** A claimed delivery of an endpoint disabled meanwhile: back to pending, the attempt not counted. */
export const RELEASE_DELIVERY = `
UPDATE webhook_deliveries SET status = 'pending', attempts = attempts - 1, lease_until = NULL WHERE id = $1 AND status = 'sending'`;

export const PURGE_FINISHED = `
DELETE FROM webhook_deliveries WHERE id IN (
  SELECT id FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND created_at < $1 LIMIT 1000)`;

interface ClaimedDelivery {
  readonly id: number;
  readonly endpointId: number;
  readonly eventId: string;
  readonly eventType: WebhookBody['type'];
  readonly payload: string;
  readonly createdAt: Date;
  readonly attempts: number;
  readonly url: string;
  readonly secret: string;
}

export interface DrainResult {
  readonly claimed: number;
  readonly delivered: number;
  readonly failed: number;
}

/**
 * Sends the outbox. States: pending → sending → delivered | pending again after a backoff |
 * failed (attempts used up). Deliveries are independent: one endpoint's events may arrive out of
 * order (retries, concurrency); receivers order by the event's `createdAt` and deduplicate by `id`.
 */
export class WebhookDispatcher {
  private lastPurge = 0;

  constructor(
    private readonly sql: Sql,
    private readonly sender: WebhookSender,
    private readonly config: WebhookConfig,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** One batch; its size tells the caller whether more may be due. */
  async dispatchBatch(): Promise<DrainResult> {
    const now = this.now();
    await run(this.sql, RECLAIM_DELIVERIES, [new Date(now), this.config.maxAttempts]);
    const batch = await run<ClaimedDelivery>(this.sql, CLAIM_DELIVERIES, [new Date(now), new Date(now + this.config.leaseMs), this.config.batchSize]);
    const disabled = new Set<number>();
    let delivered = 0;
    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const delivery = batch[next++]!;
        if (disabled.has(delivery.endpointId)) {
          await run(this.sql, RELEASE_DELIVERY, [delivery.id]);
          continue;
        }
        const outcome = await this.sender.send({
          url: delivery.url,
          secret: delivery.secret,
          body: bodyOf(delivery),
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          attempt: delivery.attempts,
        });
        if (outcome.ok) delivered++;
        else failed++;
        if (await this.record(delivery, outcome)) disabled.add(delivery.endpointId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.concurrency, batch.length) }, worker));
    if (now - this.lastPurge > 3_600_000) {
      this.lastPurge = now;
      await run(this.sql, PURGE_FINISHED, [new Date(now - this.config.retentionDays * 86_400_000)]);
    }
    return { claimed: batch.length, delivered, failed };
  }

  /** Batch after batch until nothing is due. */
  async drain(): Promise<DrainResult> {
    const total = { claimed: 0, delivered: 0, failed: 0 };
    for (;;) {
      const r = await this.dispatchBatch();
      total.claimed += r.claimed;
      total.delivered += r.delivered;
      total.failed += r.failed;
      if (r.claimed < this.config.batchSize) return total;
    }
  }

  /** true when this failure disabled the endpoint. */
  private async record(delivery: ClaimedDelivery, outcome: SendOutcome): Promise<boolean> {
    const at = new Date(this.now());
    if (outcome.ok) {
      await run(this.sql, MARK_DELIVERED, [delivery.id, at, outcome.statusCode, delivery.attempts, outcome.durationMs]);
      return false;
    }
    const delay = backoffDelay(delivery.attempts, this.config.backoff, this.random);
    const [row] = await run<{ disabledNow: boolean }>(this.sql, MARK_FAILED, [
      delivery.id,
      at,
      outcome.statusCode,
      outcome.error,
      outcome.durationMs,
      this.config.maxAttempts,
      delay,
      this.config.disableAfterFailures,
      delivery.attempts,
    ]);
    return row?.disabledNow === true;
  }
}

/** The request body: the same bytes on every attempt (jsonb's text form is canonical). */
export function bodyOf(delivery: Pick<ClaimedDelivery, 'eventId' | 'eventType' | 'createdAt' | 'payload'>): string {
  const body: WebhookBody = { id: delivery.eventId, type: delivery.eventType, createdAt: new Date(delivery.createdAt).toISOString(), data: JSON.parse(delivery.payload) as Record<string, unknown> };
  return JSON.stringify(body);
}
