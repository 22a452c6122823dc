import type { Migration } from '../migration.js';

/**
 * Repairs "latest vitals" pinned by a sample from the future (accepted before ingest bounded
 * sample times): such a row is replaced by the newest sample that is not ahead of the clock.
 * The limit is the same 5 minutes ingest allows.
 */
export const REPAIR_FUTURE_LATEST = `
WITH pinned AS (
  DELETE FROM latest_vitals WHERE ts > now() + interval '5 minutes' RETURNING patient_id, vital
)
INSERT INTO latest_vitals (patient_id, vital, ts, value)
SELECT p.patient_id, p.vital, v.ts, v.value
FROM pinned p
CROSS JOIN LATERAL (
  SELECT ts, value FROM vitals
  WHERE patient_id = p.patient_id AND vital = p.vital AND ts <= now() + interval '5 minutes'
  ORDER BY ts DESC LIMIT 1
) v;`;

/**
 * Security: the latest-vitals repair; sign-in locks that grow with each lock of the same key;
 * the security events table.
 */
export const migration: Migration = {
  id: 6,
  name: 'security',
  sql: `${REPAIR_FUTURE_LATEST}

-- How many times a key was locked: each further lock lasts twice as long.
ALTER TABLE login_throttle ADD COLUMN lockouts integer NOT NULL DEFAULT 0;

-- Failed sign-ins, locks, refresh-token reuse, refused stations, denied permissions, refused
-- rows: who (staff username, user or station id) and from where, never patient data.
CREATE TABLE security_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  event text NOT NULL,
  username text,
  user_id bigint,
  station_id text,
  address text,
  detail jsonb
);
CREATE INDEX security_events_event ON security_events (event, id);
CREATE INDEX security_events_at ON security_events (at);
`,
};
