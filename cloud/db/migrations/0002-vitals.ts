import type { Migration, StorageMode } from '../migration.js';

/**
 * Vitals: one row per (time, patient, vital). The two storage modes keep the same tables and
 * column names, so every read query is the same text in both:
 * - timescaledb: a hypertable (1-day chunks) and continuous aggregates vitals_1m / _5m / _1h / _1d
 *   (hierarchical, real-time); compression and retention are policies set at start.
 * - native: daily range partitions created ahead by the service, and rollup tables of the same
 *   shape that ingest maintains in the same statement as the insert.
 * Rollups keep min, max, sum and count, so coarser buckets are exact re-aggregations and a short
 * dip is never averaged away.
 */
const COMMON = `
CREATE TABLE station_devices (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  station_id text NOT NULL REFERENCES stations(id),
  device_id text NOT NULL,
  UNIQUE (station_id, device_id)
);

-- Per station and stream ('observations@<origin>', 'alarm_events@<origin>'; the origin is the
-- station database's id, as row ids restart in a new database): the highest row id stored.
-- Stations send each stream in id order, so a row at or below it is a replay and is skipped.
CREATE TABLE station_streams (
  station_id text NOT NULL REFERENCES stations(id),
  stream text NOT NULL,
  last_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, stream)
);

-- Every accepted batch, so a replay gets the same answer and a different body under the same id
-- is refused.
CREATE TABLE station_batches (
  station_id text NOT NULL REFERENCES stations(id),
  batch_id text NOT NULL,
  body_sha256 bytea NOT NULL,
  result jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, batch_id)
);
CREATE INDEX station_batches_received ON station_batches (received_at);

-- The newest value of each vital per patient (what "latest vitals" reads on a cache miss).
CREATE TABLE latest_vitals (
  patient_id bigint NOT NULL,
  vital smallint NOT NULL,
  ts timestamptz NOT NULL,
  value real NOT NULL,
  PRIMARY KEY (patient_id, vital)
);

CREATE TABLE alarm_events (
  station_id text NOT NULL REFERENCES stations(id),
  origin text NOT NULL DEFAULT '',
  event_id bigint NOT NULL,
  patient_id bigint,
  at timestamptz NOT NULL,
  alarm_id text NOT NULL,
  phase text NOT NULL,
  condition text NOT NULL,
  type text NOT NULL,
  priority text NOT NULL,
  state text NOT NULL,
  inactivation text NOT NULL,
  bed_id text,
  device_id text,
  value real,
  limit_value real,
  actor text,
  reason text,
  PRIMARY KEY (station_id, origin, event_id)
);
-- Alarm history of a patient, newest first, keyset (at, station_id, origin, event_id).
CREATE INDEX alarm_events_patient_at ON alarm_events (patient_id, at DESC, station_id DESC, origin DESC, event_id DESC);
`;

const VITALS_COLUMNS = `
  ts timestamptz NOT NULL,
  patient_id bigint,
  vital smallint NOT NULL,
  value real NOT NULL,
  device_ref integer NOT NULL`;

function rollupTable(name: string): string {
  return `
CREATE TABLE ${name} (
  bucket timestamptz NOT NULL,
  patient_id bigint NOT NULL,
  vital smallint NOT NULL,
  min real NOT NULL,
  max real NOT NULL,
  sum double precision NOT NULL,
  count bigint NOT NULL,
  -- Covering: a history read is an index-only scan of one patient's time range.
  PRIMARY KEY (patient_id, bucket, vital) INCLUDE (min, max, sum, count)
);
CREATE INDEX ${name}_bucket ON ${name} (bucket);`;
}

const NATIVE = `
CREATE TABLE vitals (${VITALS_COLUMNS}
) PARTITION BY RANGE (ts);
CREATE INDEX vitals_patient_ts ON vitals (patient_id, ts);
${rollupTable('vitals_1m')}
${rollupTable('vitals_5m')}
${rollupTable('vitals_1h')}
${rollupTable('vitals_1d')}
`;

function continuousAggregate(name: string, width: string, source: string, fromRaw: boolean): string {
  const select = fromRaw
    ? `time_bucket(INTERVAL '${width}', ts) AS bucket, patient_id, vital,
       min(value) AS min, max(value) AS max, sum(value::double precision) AS sum, count(*) AS count
     FROM ${source} WHERE patient_id IS NOT NULL`
    : `time_bucket(INTERVAL '${width}', bucket) AS bucket, patient_id, vital,
       min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(count)::bigint AS count
     FROM ${source}`;
  return `
CREATE MATERIALIZED VIEW ${name}
  WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT ${select}
  GROUP BY 1, 2, 3
  WITH NO DATA;`;
}

const TIMESCALE = `
CREATE TABLE vitals (${VITALS_COLUMNS}
);
SELECT create_hypertable('vitals', by_range('ts', INTERVAL '1 day'));
CREATE INDEX vitals_patient_ts ON vitals (patient_id, ts DESC);
ALTER TABLE vitals SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'patient_id',
  timescaledb.compress_orderby = 'ts DESC, vital'
);
${continuousAggregate('vitals_1m', '1 minute', 'vitals', true)}
${continuousAggregate('vitals_5m', '5 minutes', 'vitals_1m', false)}
${continuousAggregate('vitals_1h', '1 hour', 'vitals_5m', false)}
${continuousAggregate('vitals_1d', '1 day', 'vitals_1h', false)}
`;

export const migration: Migration = {
  id: 2,
  name: 'vitals',
  sql: (mode: StorageMode) => COMMON + (mode === 'timescaledb' ? TIMESCALE : NATIVE),
};
