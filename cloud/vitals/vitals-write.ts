import type { StorageMode } from '../db/migration.js';

/**
 * Writing vitals: one statement per batch, whatever its size. The rows travel as five parallel
 * arrays ($1 epoch ms, $2 patient id, $3 vital id, $4 value, $5 device ref) expanded by unnest
 * on the server, so a batch of 30,000 values costs one round trip and one plan.
 */
const ROWS = `rows AS (
  SELECT to_timestamp(t / 1000.0) AS ts, patient_id, vital, value, device_ref
  FROM unnest($1::float8[], $2::bigint[], $3::smallint[], $4::real[], $5::integer[]) AS r(t, patient_id, vital, value, device_ref)
)`;

const INSERT_RAW = `raw AS (
  INSERT INTO vitals (ts, patient_id, vital, value, device_ref)
  SELECT ts, patient_id, vital, value, device_ref FROM rows
)`;

/** The newest value per (patient, vital), kept current for "latest vitals" reads. */
const UPSERT_LATEST = `
INSERT INTO latest_vitals AS l (patient_id, vital, ts, value)
SELECT DISTINCT ON (patient_id, vital) patient_id, vital, ts, value
FROM rows WHERE patient_id IS NOT NULL
ORDER BY patient_id, vital, ts DESC
ON CONFLICT (patient_id, vital) DO UPDATE SET ts = excluded.ts, value = excluded.value
WHERE excluded.ts >= l.ts`;

/** Native mode: rollups maintained by ingest itself, exact because every row is inserted once. */
function upsertRollup(table: string, width: string): string {
  return `${table} AS (
  INSERT INTO ${table} AS r (bucket, patient_id, vital, min, max, sum, count)
  SELECT date_bin(INTERVAL '${width}', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00'), patient_id, vital,
         min(value), max(value), sum(value::float8), count(*)
  FROM rows WHERE patient_id IS NOT NULL
  GROUP BY 1, 2, 3
  ON CONFLICT (patient_id, bucket, vital) DO UPDATE SET
    min = LEAST(r.min, excluded.min), max = GREATEST(r.max, excluded.max),
    sum = r.sum + excluded.sum, count = r.count + excluded.count
)`;
}

export const INSERT_VITALS_NATIVE = `WITH ${ROWS}, ${INSERT_RAW},
${upsertRollup('vitals_1m', '1 minute')},
${upsertRollup('vitals_5m', '5 minutes')},
${upsertRollup('vitals_1h', '1 hour')},
${upsertRollup('vitals_1d', '1 day')}
${UPSERT_LATEST}`;

/** TimescaleDB mode: continuous aggregates do the rollups. */
export const INSERT_VITALS_TIMESCALE = `WITH ${ROWS}, ${INSERT_RAW}
${UPSERT_LATEST}`;

export function insertVitalsSql(mode: StorageMode): string {
  return mode === 'timescaledb' ? INSERT_VITALS_TIMESCALE : INSERT_VITALS_NATIVE;
}

/** Parallel arrays for the statement above. */
export interface VitalRows {
  readonly ts: number[];
  readonly patientId: Array<number | null>;
  readonly vital: number[];
  readonly value: number[];
  readonly deviceRef: number[];
}

export function insertVitalsParams(rows: VitalRows): unknown[] {
  return [rows.ts, rows.patientId, rows.vital, rows.value, rows.deviceRef];
}
