import { randomBytes } from 'node:crypto';
import { run, type Sql } from '../db/sql.js';
import type { WebhookEventType } from './webhook-events.js';

export interface WebhookEndpoint {
  readonly id: number;
  readonly url: string;
  readonly events: WebhookEventType[];
  readonly description: string;
  readonly createdAt: Date;
  readonly consecutiveFailures: number;
  readonly disabledAt: Date | null;
  readonly disabledReason: string | null;
}

export interface WebhookDeliveryView {
  readonly id: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: 'pending' | 'sending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
  readonly log: Array<{ attempt: number; at: string; durationMs: number; statusCode: number | null; error: string | null }>;
}

/** Never the secret: it is shown once, when the endpoint is created. */
const COLUMNS = `id, url, events, description, created_at AS "createdAt", consecutive_failures AS "consecutiveFailures",
  disabled_at AS "disabledAt", disabled_reason AS "disabledReason"`;

export const INSERT_ENDPOINT = `
INSERT INTO webhook_endpoints (url, secret, events, description, created_by) VALUES ($1, $2, $3::text[], $4, $5) RETURNING ${COLUMNS}`;
export const LIST_ENDPOINTS = `SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY id`;
export const DELETE_ENDPOINT = `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id`;

/** Deliveries held back while the endpoint was disabled are due again at once. */
export const ENABLE_ENDPOINT = `
WITH enabled AS (
  UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0 WHERE id = $1 RETURNING ${COLUMNS}),
due AS (
  UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE endpoint_id IN (SELECT id FROM enabled) AND status = 'pending')
SELECT * FROM enabled`;

/** Newest first, keyset on id; each with its attempt log (bounded by the attempts limit). */
export const LIST_DELIVERIES = `
SELECT d.id, d.event_id AS "eventId", d.event_type AS "eventType", d.status, d.attempts, d.next_attempt_at AS "nextAttemptAt",
  d.last_status_code AS "lastStatusCode", d.last_error AS "lastError", d.created_at AS "createdAt", d.delivered_at AS "deliveredAt",
  COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'durationMs', a.duration_ms, 'statusCode', a.status_code, 'error', a.error) ORDER BY a.id)
            FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS log
FROM webhook_deliveries d
WHERE d.endpoint_id = $1 AND ($2::bigint IS NULL OR d.id < $2)
ORDER BY d.id DESC
LIMIT $3`;

/** The endpoints administrators registered, with their secrets made here. */
export class WebhookEndpoints {
  constructor(private readonly sql: Sql) {}

  /** The secret is returned this once; it is stored to sign with (an HMAC needs it in the clear). */
  async create(input: { url: string; events: readonly WebhookEventType[]; description: string; createdBy: number }): Promise<WebhookEndpoint & { secret: string }> {
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const [row] = await run<WebhookEndpoint>(this.sql, INSERT_ENDPOINT, [input.url, secret, [...new Set(input.events)], input.description, input.createdBy]);
    return { ...row!, secret };
  }

  list(): Promise<WebhookEndpoint[]> {
    return run<WebhookEndpoint>(this.sql, LIST_ENDPOINTS);
  }

  async delete(id: number): Promise<boolean> {
    return (await run(this.sql, DELETE_ENDPOINT, [id])).length === 1;
  }

  async enable(id: number, now: number = Date.now()): Promise<WebhookEndpoint | null> {
    const [row] = await run<WebhookEndpoint>(this.sql, ENABLE_ENDPOINT, [id, new Date(now)]);
    return row ?? null;
  }

  deliveries(endpointId: number, beforeId: number | null, limit: number): Promise<WebhookDeliveryView[]> {
    return run<WebhookDeliveryView>(this.sql, LIST_DELIVERIES, [endpointId, beforeId, limit]);
  }
}
