import type { Migration } from '../migration.js';

/**
 * Push instead of polling.
 *
 * Webhooks: endpoints an administrator registered, and an outbox of deliveries written in the
 * transaction of the change they announce (one row per endpoint and event), with a log of every
 * attempt. An endpoint counts its failed attempts in a row and is disabled past a limit.
 *
 * The live vitals stream: per patient, a counter that ingest bumps in its transaction (the row
 * lock orders the patient's batches by commit, so a stream can resume after any id it has seen)
 * and the newest values each batch brought, kept a short while for resuming streams.
 */
export const migration: Migration = {
  id: 8,
  name: 'webhooks-vitals-stream',
  sql: `
CREATE TABLE webhook_endpoints (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url text NOT NULL,
  secret text NOT NULL,
  events text[] NOT NULL CHECK (cardinality(events) > 0),
  description text NOT NULL DEFAULT '',
  created_by bigint REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  consecutive_failures integer NOT NULL DEFAULT 0,
  disabled_at timestamptz,
  disabled_reason text
);

CREATE TABLE webhook_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id bigint NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE status IN ('delivered', 'failed');

CREATE TABLE webhook_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE TABLE vital_stream_cursors (
  patient_id bigint PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
  seq bigint NOT NULL
);

CREATE TABLE vital_stream_events (
  patient_id bigint NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  at timestamptz NOT NULL,
  vitals jsonb NOT NULL,
  PRIMARY KEY (patient_id, seq)
);
CREATE INDEX vital_stream_events_at ON vital_stream_events (at);
`,
};
