import type { Migration } from '../migrate.js';

/**
 * Core station schema. Shipped migrations are never edited: add a new file instead.
 *
 * Vitals are stored as one `observations` row per device frame / HL7 message / serial line and
 * one `observation_values` row per vital in it: one frame of six vitals costs three index
 * insertions plus six appends to a table clustered by observation id, far fewer b-tree writes
 * than a row per vital with its own indexes.
 */
export const migration: Migration = {
  id: 1,
  name: 'core',
  sql: `
CREATE TABLE beds (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  mrn TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  birth_date TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE admissions (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  bed_id TEXT NOT NULL REFERENCES beds(id),
  admitted_at INTEGER NOT NULL,
  discharged_at INTEGER
) STRICT;
-- A bed holds at most one admitted patient and a patient lies in at most one bed.
CREATE UNIQUE INDEX admissions_current_bed ON admissions(bed_id) WHERE discharged_at IS NULL;
CREATE UNIQUE INDEX admissions_current_patient ON admissions(patient_id) WHERE discharged_at IS NULL;

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  transport TEXT NOT NULL CHECK (transport IN ('websocket', 'hl7', 'serial')),
  -- SHA-256 of the device key; keys are 256-bit random secrets, so a fast hash is enough.
  key_hash BLOB UNIQUE,
  bed_id TEXT REFERENCES beds(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;

CREATE TABLE observations (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  seq INTEGER,
  message_id TEXT,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  bed_id TEXT,
  patient_id INTEGER
) STRICT;
-- Idempotency: a resent WebSocket frame or HL7 message is stored once.
CREATE UNIQUE INDEX observations_device_seq ON observations(device_id, seq) WHERE seq IS NOT NULL;
CREATE UNIQUE INDEX observations_device_message ON observations(device_id, message_id)
  WHERE message_id IS NOT NULL;
CREATE INDEX observations_patient_ts ON observations(patient_id, ts);

CREATE TABLE observation_values (
  observation_id INTEGER NOT NULL,
  vital INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (observation_id, vital)
) STRICT, WITHOUT ROWID;

-- Sync progress per stream (e.g. 'observations', 'alarm_events'): rows with id <= last_id are in
-- the cloud. Moved only after the cloud confirmed a batch.
CREATE TABLE sync_cursors (
  stream TEXT PRIMARY KEY,
  last_id INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Who did what at this station (device registration, admissions, limit changes, ...).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT
) STRICT;
`,
};
