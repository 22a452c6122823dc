import { run, type Sql } from '../db/sql.js';
import { streamRows } from './stream-rows.js';
import type { Cell, CsvOut, ReportGenerator, ReportModel } from './report-model.js';
import { SeriesAccumulator } from './series.js';

export interface WardAlarmsParams {
  /** A ward is a station. */
  readonly stationId: string;
  readonly from: string;
  readonly to: string;
}

/** Alarm starts of one ward in a period, in time order (index alarm_events_station_at). */
export const WARD_ALARM_STARTS = `
SELECT at, bed_id, patient_id, condition, type, priority, value, limit_value
FROM alarm_events
WHERE station_id = $1 AND phase = 'start' AND at >= $2 AND at < $3
ORDER BY at, event_id`;

const STATION = `SELECT name FROM stations WHERE id = $1`;
const PRIORITIES = ['PH', 'PM', 'PL'] as const;
const PRIORITY_NAMES: Record<string, string> = { PH: 'high', PM: 'medium', PL: 'low' };

export const wardAlarmsReport: ReportGenerator<WardAlarmsParams> = {
  csvColumns: ['at', 'bed', 'patient_id', 'condition', 'type', 'priority', 'value', 'limit'],

  async generate(sql: Sql, params: WardAlarmsParams, csv: CsvOut): Promise<ReportModel> {
    const from = new Date(params.from);
    const to = new Date(params.to);
    const [station] = await run<{ name: string }>(sql, STATION, [params.stationId]);
    const counts = new Map<string, { condition: string; type: string; priority: string; count: number; beds: Set<string> }>();
    const perPriority = new Map(PRIORITIES.map((p) => [p, new SeriesAccumulator(from.getTime(), to.getTime(), 96, 'sum')]));
    let rowCount = 0;
    const cursor = streamRows<{ at: Date; bed_id: string | null; patient_id: number | null; condition: string; type: string; priority: string; value: number | null; limit_value: number | null }>(sql, WARD_ALARM_STARTS, [params.stationId, from, to], 2000);
    for await (const rows of cursor) {
      for (const row of rows) {
        await csv([row.at.toISOString(), row.bed_id, row.patient_id, row.condition, row.type, row.priority, row.value, row.limit_value]);
        rowCount++;
        const key = `${row.condition}\u0000${row.priority}`;
        let entry = counts.get(key);
        if (!entry) counts.set(key, (entry = { condition: row.condition, type: row.type, priority: row.priority, count: 0, beds: new Set() }));
        entry.count++;
        if (row.bed_id) entry.beds.add(row.bed_id);
        perPriority.get(row.priority as (typeof PRIORITIES)[number])?.add(row.at.getTime(), 1);
      }
    }
    const rank = (p: string) => (PRIORITIES as readonly string[]).indexOf(p);
    const summary = [...counts.values()]
      .sort((a, b) => rank(a.priority) - rank(b.priority) || b.count - a.count || a.condition.localeCompare(b.condition))
      .map((e) => ({ condition: e.condition, type: e.type, priority: e.priority, count: e.count, beds: e.beds.size }));
    const rows: Cell[][] = summary.map((s) => [s.condition, s.type, PRIORITY_NAMES[s.priority] ?? s.priority, s.count, s.beds]);
    return {
      title: `Alarm summary: ${station?.name ?? params.stationId}`,
      meta: [`Ward ${params.stationId} · ${from.toISOString()} to ${to.toISOString()}`, `${rowCount} alarms started (each one in the CSV)`],
      table: { columns: ['Condition', 'Type', 'Priority', 'Alarms', 'Beds'], rows },
      chart: {
        title: 'Alarms started per interval, by priority',
        from: from.getTime(),
        to: to.getTime(),
        series: PRIORITIES.map((p) => ({ name: PRIORITY_NAMES[p]!, points: perPriority.get(p)!.points() })),
      },
      summary: { from: from.toISOString(), to: to.toISOString(), alarms: rowCount, byCondition: summary },
      rowCount,
    };
  },
};
