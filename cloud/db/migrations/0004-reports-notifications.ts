import type { Migration } from '../migration.js';

/**
 * Reports, the notification outbox and video rooms: three job tables that replicas share by
 * claiming rows with FOR UPDATE SKIP LOCKED and a lease (`lease_until`), never by assuming they
 * are alone. Times compared with `lease_until` / `due_at` come from the service's clock, passed
 * as parameters, so tests move time instead of waiting.
 */
export const migration: Migration = {
  id: 4,
  name: 'reports-notifications',
  sql: `
CREATE TABLE report_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('patient_vitals', 'ward_alarms', 'doctor_appointments')),
  params jsonb NOT NULL,
  requested_by bigint NOT NULL REFERENCES users(id),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  lease_owner text,
  lease_until timestamptz,
  failure text,
  summary jsonb,
  row_count bigint,
  -- The attempt whose output chunks are the report (a crashed attempt may have left others).
  output_attempt integer,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz NOT NULL
);
-- What a worker looks for: queued jobs, and running ones whose lease ran out.
CREATE INDEX report_jobs_claimable ON report_jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX report_jobs_expires ON report_jobs (expires_at);
CREATE INDEX report_jobs_requester ON report_jobs (requested_by, created_at, id);

-- Report output in chunks, written as it is produced and streamed out the same way, so neither
-- the worker nor a download ever holds a whole large report in memory.
CREATE TABLE report_chunks (
  report_id uuid NOT NULL REFERENCES report_jobs(id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  format text NOT NULL CHECK (format IN ('csv', 'pdf')),
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (report_id, attempt, format, seq)
);

-- A ward's alarm summary reads a station's events over a period.
CREATE INDEX alarm_events_station_at ON alarm_events (station_id, at);

-- The outbox: written in the transaction that books or cancels, sent by the dispatcher.
-- queued -> sending -> sent; a failed try goes to 'failed' with the next due_at (backoff), and
-- to 'gave_up' after the cap or a permanent refusal; a cancelled appointment's pending reminders
-- become 'cancelled'.
CREATE TABLE notifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  appointment_id bigint REFERENCES appointments(id) ON DELETE CASCADE,
  patient_id bigint,
  channel text NOT NULL CHECK (channel IN ('email', 'sms')),
  kind text NOT NULL CHECK (kind IN ('booked', 'cancelled', 'reminder_24h', 'reminder_1h')),
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  due_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'gave_up', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  lease_until timestamptz,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notifications_once ON notifications (appointment_id, kind, channel) WHERE appointment_id IS NOT NULL;
CREATE INDEX notifications_due ON notifications (channel, due_at) WHERE status IN ('queued', 'failed');
CREATE INDEX notifications_sending ON notifications (lease_until) WHERE status = 'sending';
CREATE INDEX notifications_appointment ON notifications (appointment_id, id);

-- A video appointment's room, made by a background job shortly before the start.
CREATE TABLE video_rooms (
  appointment_id bigint PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'creating', 'ready', 'failed', 'gave_up', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  lease_until timestamptz,
  provider text,
  room_name text,
  host_url text,
  join_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX video_rooms_due ON video_rooms (due_at) WHERE status IN ('pending', 'failed');
CREATE INDEX video_rooms_creating ON video_rooms (lease_until) WHERE status = 'creating';
`,
};
