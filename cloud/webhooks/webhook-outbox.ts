import { run, type TransactionSql } from '../db/sql.js';
import { WEBHOOKS_DUE_CHANNEL, type WebhookEvent } from './webhook-events.js';

/**
 * One delivery row per (event, enabled endpoint subscribed to its type), in the caller's
 * transaction: a delivery exists if and only if the change it announces committed, and the
 * change never waits for a receiver. Each event gets one id, shared by all its deliveries (the
 * CTE that draws it is volatile, so PostgreSQL evaluates it once per event). With no endpoint
 * subscribed nothing is written. Dispatchers are woken at commit.
 */
export const ENQUEUE_WEBHOOK_EVENTS = `
WITH event AS (
  SELECT gen_random_uuid() AS event_id, e.type, e.data, e.ord
  FROM unnest($1::text[], $2::text[]::jsonb[]) WITH ORDINALITY AS e(type, data, ord)),
queued AS (
  INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, next_attempt_at, created_at)
  SELECT w.id, event.event_id, event.type, event.data, $3, $3
  FROM event JOIN webhook_endpoints w ON w.disabled_at IS NULL AND event.type = ANY(w.events)
  ORDER BY event.ord, w.id
  RETURNING 1)
SELECT pg_notify('${WEBHOOKS_DUE_CHANNEL}', '') FROM (SELECT count(*) AS n FROM queued) c WHERE c.n > 0`;

export async function enqueueWebhookEvents(tx: TransactionSql, events: readonly WebhookEvent[], now: number = Date.now()): Promise<void> {
  if (events.length === 0) return;
  await run(tx, ENQUEUE_WEBHOOK_EVENTS, [events.map((e) => e.type), events.map((e) => JSON.stringify(e.data)), new Date(now)]);
}
