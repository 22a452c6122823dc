import type { Migration } from '../migrate.js';

/**
 * Full disclosure: every waveform sample a device sent, one row per received frame (about a
 * second of one wave), its samples compressed (`encoding`, see gateway/waves/wave-codec.ts).
 * `(device_id, seq)` is unique so a resent frame is stored once. Rows are filed under the bed and
 * patient of the device at receipt, like observations; review reads by patient, wave and time.
 * No index on time alone: ids grow with `received_at`, so retention finds its cut by rowid, and
 * each index would cost a large share of the few hundred bytes a second of waves takes.
 */
export const migration: Migration = {
  id: 10,
  name: 'wave-blocks',
  sql: `
CREATE TABLE wave_blocks (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  wave TEXT NOT NULL,
  start_ts INTEGER NOT NULL,
  sample_rate INTEGER NOT NULL CHECK (sample_rate BETWEEN 125 AND 500),
  sample_count INTEGER NOT NULL CHECK (sample_count > 0),
  scale REAL NOT NULL,
  value_offset REAL NOT NULL,
  received_at INTEGER NOT NULL,
  bed_id TEXT,
  patient_id INTEGER,
  encoding INTEGER NOT NULL,
  samples BLOB NOT NULL,
  UNIQUE (device_id, seq)
) STRICT;
CREATE INDEX wave_blocks_patient_wave_ts ON wave_blocks (patient_id, wave, start_ts);
`,
};
