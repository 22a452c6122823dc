import { run, type Sql } from '../db/sql.js';
import { VITAL_CODES, vitalById } from '../vitals/vital-codes.js';
import { streamRows } from './stream-rows.js';
import type { Cell, CsvOut, ReportGenerator, ReportModel } from './report-model.js';
import { SeriesAccumulator } from './series.js';

export interface PatientVitalsParams {
  readonly patientId: number;
  /** First day, YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly period: 'day' | 'week';
}

/**
 * Rows from the rollups only, never raw vitals (device review #10): a day reads the minute
 * rollup (1,440 buckets per vital), a week the hour rollup (168). Both are views in TimescaleDB
 * mode and tables in native mode, with the same columns, so this text runs in either.
 */
export const PATIENT_VITALS_ROWS = {
  day: `SELECT bucket, vital, min, max, sum, count FROM vitals_1m
WHERE patient_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket, vital`,
  week: `SELECT bucket, vital, min, max, sum, count FROM vitals_1h
WHERE patient_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket, vital`,
} as const;

const PATIENT = `SELECT mrn, name FROM patients WHERE id = $1`;

export function periodRange(date: string, period: 'day' | 'week'): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00Z`);
  return { from, to: new Date(from.getTime() + (period === 'day' ? 1 : 7) * 86_400_000) };
}

interface VitalTotals {
  min: number;
  max: number;
  sum: number;
  count: number;
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export const patientVitalsReport: ReportGenerator<PatientVitalsParams> = {
  csvColumns: ['bucket', 'vital', 'unit', 'min', 'mean', 'max', 'count'],

  async generate(sql: Sql, params: PatientVitalsParams, csv: CsvOut): Promise<ReportModel> {
    const { from, to } = periodRange(params.date, params.period);
    const [patient] = await run<{ mrn: string; name: string }>(sql, PATIENT, [params.patientId]);
    const totals = new Map<number, VitalTotals>();
    const trends = new Map<number, SeriesAccumulator>();
    let rowCount = 0;
    const cursor = streamRows<{ bucket: Date; vital: number; min: number; max: number; sum: number; count: number }>(sql, PATIENT_VITALS_ROWS[params.period], [params.patientId, from, to], 2000);
    for await (const rows of cursor) {
      for (const row of rows) {
        const code = vitalById(row.vital);
        if (!code) continue;
        await csv([row.bucket.toISOString(), code.code, code.unit, row.min, round(row.sum / row.count, 3), row.max, row.count]);
        rowCount++;
        const total = totals.get(row.vital);
        if (total) {
          total.min = Math.min(total.min, row.min);
          total.max = Math.max(total.max, row.max);
          total.sum += row.sum;
          total.count += row.count;
        } else totals.set(row.vital, { min: row.min, max: row.max, sum: row.sum, count: row.count });
        let trend = trends.get(row.vital);
        if (!trend) trends.set(row.vital, (trend = new SeriesAccumulator(from.getTime(), to.getTime(), params.period === 'day' ? 288 : 336, 'mean')));
        trend.add(row.bucket.getTime(), row.sum, row.count);
      }
    }
    const ordered = VITAL_CODES.filter((v) => totals.has(v.id));
    const summary = ordered.map((v) => {
      const t = totals.get(v.id)!;
      return { vital: v.code, unit: v.unit, min: t.min, max: t.max, mean: t.sum / t.count, count: t.count };
    });
    const rows: Cell[][] = summary.map((s) => [s.vital, s.unit, round(s.min), round(s.mean), round(s.max), s.count]);
    return {
      title: `Vitals summary: ${patient?.name ?? `patient ${params.patientId}`}`,
      meta: [
        `MRN ${patient?.mrn ?? '—'} · ${params.period === 'day' ? 'day' : 'week'} from ${from.toISOString().slice(0, 10)} to ${new Date(to.getTime() - 1).toISOString().slice(0, 10)} (UTC)`,
        `Source: ${params.period === 'day' ? 'minute' : 'hourly'} rollups; ${rowCount} buckets (all of them in the CSV)`,
      ],
      table: { columns: ['Vital', 'Unit', 'Min', 'Mean', 'Max', 'Samples'], rows },
      chart: {
        title: `Trend (${params.period === 'day' ? '5-minute' : '30-minute'} means)`,
        from: from.getTime(),
        to: to.getTime(),
        series: ordered.map((v) => ({ name: `${v.code} (${v.unit})`, points: trends.get(v.id)!.points() })),
        panels: true,
      },
      summary: { from: from.toISOString(), to: to.toISOString(), vitals: summary },
      rowCount,
    };
  },
};
