import type { Migration } from '../migrate.js';

/**
 * Alarm events (IHE PCD ACM fields) append-only and ready to sync by id, and the engine's state
 * so active and latched alarms survive a gateway restart.
 */
export const migration: Migration = {
  id: 4,
  name: 'alarm-events',
  sql: `
CREATE TABLE alarm_events (
  id INTEGER PRIMARY KEY,
  alarm_id TEXT NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('start', 'update', 'end')),
  at INTEGER NOT NULL,
  condition TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('physiological', 'technical')),
  priority TEXT NOT NULL CHECK (priority IN ('PH', 'PM', 'PL')),
  state TEXT NOT NULL CHECK (state IN ('active', 'latched', 'inactive')),
  inactivation TEXT NOT NULL CHECK (inactivation IN ('none', 'acknowledged', 'audio_paused')),
  bed_id TEXT,
  patient_id INTEGER,
  device_id TEXT,
  value REAL,
  limit_value REAL,
  actor TEXT,
  reason TEXT
) STRICT;
CREATE INDEX alarm_events_patient_at ON alarm_events(patient_id, at);

CREATE TABLE alarm_engine_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  snapshot TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`,
};
