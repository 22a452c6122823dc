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
 * the security events table; stations bound to a facility, and patient identity conflicts.
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

-- The trust model: a station writes only patients of its facility (the MRN's issuer). Patients
-- registered over REST, and every patient known before this version, belong to 'main'.
ALTER TABLE stations ADD COLUMN facility text NOT NULL DEFAULT 'main' CHECK (facility ~ '^[a-z0-9][a-z0-9_-]{0,63}$');
ALTER TABLE patients ADD COLUMN facility text NOT NULL DEFAULT 'main';

-- A station named a known MRN with another name or birth date: kept for people to resolve.
CREATE TABLE patient_identity_conflicts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  patient_id bigint NOT NULL REFERENCES patients(id),
  station_id text NOT NULL REFERENCES stations(id),
  station_name text NOT NULL,
  station_birth_date date,
  resolved_at timestamptz
);
CREATE UNIQUE INDEX patient_identity_conflicts_open ON patient_identity_conflicts
  (patient_id, station_id, station_name, COALESCE(station_birth_date, 'infinity')) WHERE resolved_at IS NULL;
`,
};
