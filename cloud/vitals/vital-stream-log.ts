import { run, runCount, type Sql, type TransactionSql } from '../db/sql.js';
import { SELECT_LATEST, type LatestValue, type LatestVitals } from './latest-vitals-cache.js';
import { vitalById } from '../../gateway/protocol/vitals.js';

/**
 * Per patient, a counter bumped by every ingest transaction that brings the patient new values,
 * and the newest values that transaction brought, under the new count. The counter's row lock is
 * held to the commit, so a patient's counts become visible in order: a stream that has seen n has
 * seen everything up to n, and resumes after it. Rows are locked in patient order (as the latest
 * values are), so concurrent batches cannot deadlock on them.
 */
export const APPEND_STREAM_EVENTS = `
WITH bumped AS (
  INSERT INTO vital_stream_cursors AS c (patient_id, seq)
  SELECT p, 1 FROM unnest($1::bigint[]) AS p ORDER BY p
  ON CONFLICT (patient_id) DO UPDATE SET seq = c.seq + 1
  RETURNING patient_id, seq)
INSERT INTO vital_stream_events (patient_id, seq, at, vitals)
SELECT b.patient_id, b.seq, $3, v.vitals
FROM bumped b JOIN unnest($1::bigint[], $2::text[]::jsonb[]) AS v(patient_id, vitals) ON v.patient_id = b.patient_id`;

export const EVENTS_SINCE = `
SELECT seq, vitals::text AS vitals FROM vital_stream_events WHERE patient_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

/**
 * The patient's count and latest values in one statement, so one snapshot: every value counted
 * up to `seq` is in `latest`, and anything later comes as events after it.
 */
export const SNAPSHOT = `
SELECT COALESCE((SELECT seq FROM vital_stream_cursors WHERE patient_id = $1), 0) AS seq,
  COALESCE((SELECT json_agg(json_build_array(l.vital, l.ts, l.value)) FROM (${SELECT_LATEST}) l), '[]')::text AS latest`;

export const PRUNE_STREAM_EVENTS = `DELETE FROM vital_stream_events WHERE at < $1`;

export type StreamVitals = LatestVitals['vitals'];

/** code → value, unit, time: the shape of the latest-vitals route. */
function named(values: Iterable<[number, LatestValue]>): StreamVitals {
  const vitals: StreamVitals = {};
  for (const [id, latest] of [...values].sort((a, b) => a[0] - b[0])) {
    const def = vitalById(id);
    if (def) vitals[def.code] = { value: latest.value, unit: def.unit, ts: latest.ts };
  }
  return vitals;
}

/** Called by ingest inside its transaction with the newest value of each vital per patient. */
export async function appendStreamEvents(tx: TransactionSql, newest: ReadonlyMap<number, ReadonlyMap<number, LatestValue>>, now: number): Promise<void> {
  if (newest.size === 0) return;
  const patients = [...newest.keys()];
  await run(tx, APPEND_STREAM_EVENTS, [patients, patients.map((p) => JSON.stringify(named(newest.get(p)!))), new Date(now)]);
}

export class VitalStreamLog {
  constructor(private readonly sql: Sql) {}

  async since(patientId: number, afterSeq: number, limit: number): Promise<Array<{ seq: number; vitals: StreamVitals }>> {
    const rows = await run<{ seq: number; vitals: string }>(this.sql, EVENTS_SINCE, [patientId, afterSeq, limit]);
    return rows.map((r) => ({ seq: r.seq, vitals: JSON.parse(r.vitals) as StreamVitals }));
  }

  async snapshot(patientId: number): Promise<{ seq: number; vitals: StreamVitals }> {
    const [row] = await run<{ seq: number; latest: string }>(this.sql, SNAPSHOT, [patientId]);
    const latest = JSON.parse(row!.latest) as Array<[number, number, number]>;
    return { seq: row!.seq, vitals: named(latest.map(([vital, ts, value]) => [vital, { ts, value }])) };
  }

  /** The patient's newest event id (0 before the first). */
  async cursor(patientId: number): Promise<number> {
    const [row] = await run<{ seq: number }>(this.sql, 'SELECT seq FROM vital_stream_cursors WHERE patient_id = $1', [patientId]);
    return row?.seq ?? 0;
  }

  /** Events older than the resume window; a stream resuming from before it gets a snapshot. */
  async prune(olderThan: number): Promise<number> {
    return runCount(this.sql, PRUNE_STREAM_EVENTS, [new Date(olderThan)]);
  }
}
