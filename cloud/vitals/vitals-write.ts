import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { StorageMode } from '../db/migration.js';
import { run, type TransactionSql } from '../db/sql.js';

/**
 * Writing a batch of vitals, inside the ingest transaction:
 * - the raw rows by COPY (PostgreSQL's bulk path: no statement to plan, no parameter arrays to
 *   expand), routed to the hypertable's chunks or the native partitions;
 * - the newest value per (patient, vital) for "latest vitals", computed here, a few rows;
 * - native mode only: the rollups, aggregated here per bucket and upserted as a few hundred rows
 *   (TimescaleDB's continuous aggregates do that in the other mode).
 * Same results as aggregating in SQL: values are rounded to `real` first, as stored.
 */
export async function writeVitals(tx: TransactionSql, mode: StorageMode, rows: VitalRows): Promise<void> {
  if (rows.ts.length === 0) return;
  await copyRaw(tx, rows);
  if (mode === 'native') {
    const rollups = aggregate(rows);
    await run(tx, UPSERT_ROLLUPS, [rollups.level, rollups.bucket, rollups.patientId, rollups.vital, rollups.min, rollups.max, rollups.sum, rollups.count]);
  }
  const latest = newestValues(rows);
  if (latest.patientId.length > 0) await run(tx, UPSERT_LATEST, [latest.patientId, latest.vital, latest.ts, latest.value]);
}

/** Parallel arrays, one entry per value. */
export interface VitalRows {
  readonly ts: number[];
  readonly patientId: Array<number | null>;
  readonly vital: number[];
  readonly value: number[];
  readonly deviceRef: number[];
}

/** COPY text rows; the timestamp text is made once per distinct time (a frame's vitals share it). */
async function copyRaw(tx: TransactionSql, rows: VitalRows): Promise<void> {
  const lines: string[] = new Array<string>(rows.ts.length);
  let lastTs = NaN;
  let lastText = '';
  for (let i = 0; i < rows.ts.length; i++) {
    if (rows.ts[i] !== lastTs) {
      lastTs = rows.ts[i]!;
      lastText = new Date(lastTs).toISOString();
    }
    const patient = rows.patientId[i];
    lines[i] = `${lastText}\t${patient === null || patient === undefined ? '\\N' : patient}\t${rows.vital[i]}\t${rows.value[i]}\t${rows.deviceRef[i]}\n`;
  }
  const stream = await tx`COPY vitals (ts, patient_id, vital, value, device_ref) FROM STDIN`.writable();
  await pipeline(Readable.from(chunks(lines)), stream);
}

/** About 1 MB per write. */
function* chunks(lines: string[]): Generator<string> {
  const perChunk = 16_384;
  for (let i = 0; i < lines.length; i += perChunk) yield lines.slice(i, i + perChunk).join('');
}

/** Rollup widths in ms, by level (1: vitals_1m … 4: vitals_1d); buckets align to whole UTC days. */
const WIDTHS = [0, 60_000, 300_000, 3_600_000, 86_400_000] as const;

function aggregate(rows: VitalRows) {
  const out = { level: [] as number[], bucket: [] as number[], patientId: [] as number[], vital: [] as number[], min: [] as number[], max: [] as number[], sum: [] as number[], count: [] as number[] };
  for (let level = 1; level < WIDTHS.length; level++) {
    const width = WIDTHS[level]!;
    const buckets = new Map<string, number>();
    for (let i = 0; i < rows.ts.length; i++) {
      const patient = rows.patientId[i];
      if (patient === null || patient === undefined) continue;
      const bucket = Math.floor(rows.ts[i]! / width) * width;
      const value = Math.fround(rows.value[i]!);
      const key = `${patient}:${bucket}:${rows.vital[i]}`;
      const at = buckets.get(key);
      if (at === undefined) {
        buckets.set(key, out.level.length);
        out.level.push(level);
        out.bucket.push(bucket);
        out.patientId.push(patient);
        out.vital.push(rows.vital[i]!);
        out.min.push(value);
        out.max.push(value);
        out.sum.push(value);
        out.count.push(1);
      } else {
        if (value < out.min[at]!) out.min[at] = value;
        if (value > out.max[at]!) out.max[at] = value;
        out.sum[at]! += value;
        out.count[at]! += 1;
      }
    }
  }
  return out;
}

function newestValues(rows: VitalRows) {
  const newest = new Map<string, number>();
  for (let i = 0; i < rows.ts.length; i++) {
    const patient = rows.patientId[i];
    if (patient === null || patient === undefined) continue;
    const key = `${patient}:${rows.vital[i]}`;
    const at = newest.get(key);
    if (at === undefined || rows.ts[at]! <= rows.ts[i]!) newest.set(key, i);
  }
  const out = { patientId: [] as number[], vital: [] as number[], ts: [] as number[], value: [] as number[] };
  // In key order, so that concurrent batches lock latest_vitals rows in one order.
  for (const i of [...newest.values()].sort((a, b) => rows.patientId[a]! - rows.patientId[b]! || rows.vital[a]! - rows.vital[b]!)) {
    out.patientId.push(rows.patientId[i]!);
    out.vital.push(rows.vital[i]!);
    out.ts.push(rows.ts[i]!);
    out.value.push(rows.value[i]!);
  }
  return out;
}

/** The newest value per (patient, vital), kept current for "latest vitals" reads. */
export const UPSERT_LATEST = `
INSERT INTO latest_vitals AS l (patient_id, vital, ts, value)
SELECT patient_id, vital, to_timestamp(t / 1000.0), value
FROM unnest($1::bigint[], $2::smallint[], $3::float8[], $4::real[]) AS r(patient_id, vital, t, value)
ON CONFLICT (patient_id, vital) DO UPDATE SET ts = excluded.ts, value = excluded.value
WHERE excluded.ts >= l.ts`;

function upsertRollup(table: string, level: number): string {
  return `${table} AS (
  INSERT INTO ${table} AS r (bucket, patient_id, vital, min, max, sum, count)
  SELECT to_timestamp(bucket / 1000.0), patient_id, vital, min, max, sum, count FROM rollups WHERE level = ${level}
  ORDER BY patient_id, bucket, vital
  ON CONFLICT (patient_id, bucket, vital) DO UPDATE SET
    min = LEAST(r.min, excluded.min), max = GREATEST(r.max, excluded.max),
    sum = r.sum + excluded.sum, count = r.count + excluded.count
)`;
}

/**
 * Native mode: the batch's own buckets merged into the rollup tables, exact because every raw
 * row is written once (the ingest skips rows already stored).
 */
export const UPSERT_ROLLUPS = `WITH rollups AS (
  SELECT * FROM unnest($1::smallint[], $2::float8[], $3::bigint[], $4::smallint[], $5::real[], $6::real[], $7::float8[], $8::bigint[])
    AS r(level, bucket, patient_id, vital, min, max, sum, count)
),
${upsertRollup('vitals_1m', 1)},
${upsertRollup('vitals_5m', 2)},
${upsertRollup('vitals_1h', 3)},
${upsertRollup('vitals_1d', 4)}
SELECT 1`;
