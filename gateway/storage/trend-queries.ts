import type { Database, Statement } from 'better-sqlite3';
import { VITALS, type VitalCode } from '../protocol/vitals.js';

export interface TrendPoint {
  /** Bucket start, epoch ms. */
  readonly ts: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
}

/**
 * One vital of one patient, downsampled on the server into at most `maxPoints` buckets (min,
 * max and mean per bucket, so a short desaturation is never averaged away). Runs on the main
 * connection: in WAL mode readers never wait for the writer thread and the writer never waits
 * for them.
 */
export const SELECT_TREND = `
SELECT CAST((o.ts - @from) / @bucket AS INTEGER) AS b, MIN(v.value) AS min, MAX(v.value) AS max, AVG(v.value) AS avg
FROM observations o JOIN observation_values v ON v.observation_id = o.id AND v.vital = @vital
WHERE o.patient_id = @patient AND o.ts >= @from AND o.ts < @to
GROUP BY b ORDER BY b`;

export class TrendQueries {
  private readonly trend: Statement;

  constructor(db: Database) {
    this.trend = db.prepare(SELECT_TREND);
  }

  series(patientId: number, code: VitalCode, from: number, to: number, maxPoints = 600): { bucketMs: number; points: TrendPoint[] } {
    const span = Math.max(1, to - from);
    // Whole seconds, at least 1 s: raw resolution for short ranges, buckets for long ones.
    const bucketMs = Math.max(1000, Math.ceil(span / Math.max(1, maxPoints) / 1000) * 1000);
    const rows = this.trend.all({ from, to, bucket: bucketMs, vital: VITALS[code].id, patient: patientId }) as Array<{ b: number; min: number; max: number; avg: number }>;
    return { bucketMs, points: rows.map((r) => ({ ts: from + r.b * bucketMs, min: r.min, max: r.max, avg: Math.round(r.avg * 100) / 100 })) };
  }
}
