import { run, type Sql } from '../db/sql.js';
import { PRIORITIES, PRIORITY_COLOUR, PRIORITY_NAME, priorityLegend, type WirePriority } from './alarm-colours.js';
import { AlarmTally } from './alarm-tally.js';
import { conditionLabel } from './clinical-labels.js';
import { dateTime, duration, interval, shortDuration, zoneLabel } from './local-time.js';
import { streamRows } from './stream-rows.js';
import { decodeStretch } from '../vitals/alarm-waves.js';
import type { StationWaveStretch } from '../../gateway/protocol/sync-batch.js';
import type { Cell, CsvOut, ReportBlock, ReportContext, ReportGenerator, ReportModel, TableBlock } from './report-model.js';

export interface WardAlarmsParams {
  /** A ward is a station. */
  readonly stationId: string;
  readonly from: string;
  readonly to: string;
  /** IANA zone every time in the PDF is in; UTC when absent. */
  readonly timeZone?: string;
}

/**
 * Every alarm event of one ward in a period, in time order (index alarm_events_station_at):
 * starts for the counts and the CSV, updates for the acknowledgements, ends for the durations.
 */
export const WARD_ALARM_EVENTS = `
SELECT at, origin, alarm_id, phase, bed_id, patient_id, condition, type, priority, inactivation, value, limit_value
FROM alarm_events
WHERE station_id = $1 AND at >= $2 AND at < $3
ORDER BY at, event_id`;

const STATION = `SELECT name FROM stations WHERE id = $1`;
/** The waveform strips stations sent for alarms of this ward in the period (cloud.alarmWaves), oldest first. */
export const WARD_ALARM_STRIPS = `
SELECT alarm_id, bed_id, condition, at, waves FROM alarm_waves
WHERE station_id = $1 AND at >= $2 AND at < $3
ORDER BY at, alarm_id LIMIT $4`;
/** Strips printed per report: each takes a third of a page. */
const MAX_STRIPS = 30;
/** What a printed strip shows around the onset: 7 s at 25 mm/s is 175 mm, the page's width. */
const STRIP_BEFORE_MS = 5000;
const STRIP_AFTER_MS = 2000;
const STRIP_WAVES: ReadonlyArray<{ code: string; label: string; gain: 'mV' | 'fit' }> = [
  { code: 'ECG_II', label: 'ECG II', gain: 'mV' },
  { code: 'PLETH', label: 'Pleth', gain: 'fit' },
  { code: 'RESP', label: 'Resp', gain: 'fit' },
];
const TOP_CONDITIONS = 12;
const HOUR = 3_600_000;

const INTERVAL_NAME: Readonly<Record<number, string>> = { [HOUR]: 'hour', [6 * HOUR]: '6 hours', [24 * HOUR]: 'day' };

/** Bars of an hour for a day or two, of six hours up to a week and a day, else of a day. */
function intervalFor(span: number): number {
  if (span <= 36 * HOUR) return HOUR;
  if (span <= 8 * 24 * HOUR) return 6 * HOUR;
  return 24 * HOUR;
}

export const wardAlarmsReport: ReportGenerator<WardAlarmsParams> = {
  csvColumns: ['at', 'bed', 'patient_id', 'condition', 'type', 'priority', 'value', 'limit'],

  async generate(sql: Sql, params: WardAlarmsParams, csv: CsvOut, context: ReportContext): Promise<ReportModel> {
    const timeZone = params.timeZone ?? 'UTC';
    const from = new Date(params.from);
    const to = new Date(params.to);
    const [station] = await run<{ name: string }>(sql, STATION, [params.stationId]);
    const intervalMs = intervalFor(to.getTime() - from.getTime());
    const tally = new AlarmTally(from.getTime(), to.getTime(), intervalMs);
    let rowCount = 0;
    const cursor = streamRows<{ at: Date; origin: string; alarm_id: string; phase: string; bed_id: string | null; patient_id: number | null; condition: string; type: string; priority: string; inactivation: string; value: number | null; limit_value: number | null }>(
      sql, WARD_ALARM_EVENTS, [params.stationId, from, to], 2000,
    );
    for await (const rows of cursor) {
      for (const row of rows) {
        if (row.phase === 'start') {
          await csv([row.at.toISOString(), row.bed_id, row.patient_id, row.condition, row.type, row.priority, row.value, row.limit_value]);
          rowCount++;
        }
        tally.add({ at: row.at.getTime(), key: `${row.origin}\u0000${row.alarm_id}`, phase: row.phase, bed: row.bed_id, condition: row.condition, type: row.type, priority: row.priority, acknowledged: row.inactivation === 'acknowledged' });
      }
    }
    const result = tally.finish();
    const wardName = station?.name ?? params.stationId;
    const byPriority = (counts: Record<WirePriority, number>) => PRIORITIES.map((p) => counts[p]);
    const median = (ms: number | null) => (ms === null ? '—' : shortDuration(ms));
    const blocks: ReportBlock[] = [];

    blocks.push({ kind: 'heading', text: `Alarms started per ${INTERVAL_NAME[intervalMs] ?? interval(intervalMs)}, by priority` });
    blocks.push({ kind: 'legend', items: priorityLegend() });
    blocks.push({
      kind: 'stacked-bars',
      axis: { from: from.getTime(), to: to.getTime(), timeZone },
      intervalMs,
      yLabel: 'Alarms started',
      // High at the bottom: the bars people look at first sit on the axis.
      series: PRIORITIES.map((p) => ({ label: PRIORITY_NAME[p], colour: PRIORITY_COLOUR[p], counts: result.perInterval[p] })),
    });

    blocks.push({ kind: 'heading', text: 'Per bed' });
    blocks.push({
      kind: 'table',
      columns: [
        { label: 'Bed', width: 1.4 },
        { label: 'High', width: 0.8, align: 'right' },
        { label: 'Medium', width: 0.8, align: 'right' },
        { label: 'Low', width: 0.8, align: 'right' },
        { label: 'Total', width: 0.8, align: 'right' },
        { label: 'Alarm time', width: 1.3, align: 'right' },
        { label: 'Median to acknowledge', width: 1.6, align: 'right' },
        { label: 'Not acknowledged', width: 1.3, align: 'right' },
      ],
      rows: result.beds.map((b): Cell[] => [b.bed ?? 'Station (no bed)', ...byPriority(b.counts), b.total, duration(b.alarmMs), median(b.medianAckMs), b.unacknowledged]),
      ...(result.beds.length > 0 ? { total: ['Ward', ...byPriority(result.ward.counts), result.ward.total, duration(result.ward.alarmMs), median(result.ward.medianAckMs), result.ward.unacknowledged] } : {}),
      empty: 'No alarms started on this ward in this period.',
      note: 'Alarm time is the time from start to end, cut at the end of the period for alarms still present. Time to acknowledge counts only alarms acknowledged within the period.',
    });

    const conditionTable = (type: 'physiological' | 'technical', limit: number): TableBlock => {
      const rows = result.conditions.filter((c) => c.type === type);
      const shown = rows.slice(0, limit);
      return {
        kind: 'table',
        columns: [
          { label: 'Condition', width: 2 },
          { label: 'Alarms', width: 0.8, align: 'right' },
          { label: 'High', width: 0.7, align: 'right' },
          { label: 'Medium', width: 0.8, align: 'right' },
          { label: 'Low', width: 0.7, align: 'right' },
          { label: type === 'technical' ? 'Source' : 'Beds', width: 1.1, align: 'right' },
          { label: 'Alarm time', width: 1.2, align: 'right' },
          { label: 'Median to ack.', width: 1.2, align: 'right' },
        ],
        rows: shown.map((c): Cell[] => [conditionLabel(c.condition), c.total, ...byPriority(c.counts), c.beds === 0 ? 'station' : c.stationWide ? `station, ${c.beds} beds` : `${c.beds} bed${c.beds === 1 ? '' : 's'}`, duration(c.alarmMs), median(c.medianAckMs)]),
        swatches: shown.map((c) => PRIORITY_COLOUR[c.highest]),
        empty: `No ${type} alarms in this period.`,
        ...(rows.length > shown.length ? { note: `${rows.length - shown.length} more conditions in the CSV.` } : {}),
      };
    };
    blocks.push({ kind: 'heading', text: `Top physiological conditions` });
    blocks.push(conditionTable('physiological', TOP_CONDITIONS));
    blocks.push({ kind: 'heading', text: 'Technical alarms (devices, sensors, the station)' });
    blocks.push(conditionTable('technical', 40));
    blocks.push({ kind: 'text', tone: 'muted', text: 'The swatch beside a condition is its highest priority in the period. "station" marks alarms of the station itself (storage, sync), which belong to no bed.' });

    const strips = await run<{ alarm_id: string; bed_id: string | null; condition: string; at: Date; waves: Record<string, StationWaveStretch[]> }>(
      sql, WARD_ALARM_STRIPS, [params.stationId, from, to, MAX_STRIPS + 1],
    );
    if (strips.length > 0) {
      blocks.push({ kind: 'heading', text: 'Waveforms at alarm onsets' });
      for (const strip of strips.slice(0, MAX_STRIPS)) {
        const onset = strip.at.getTime();
        blocks.push({
          kind: 'wave-strip',
          title: `${strip.bed_id ?? 'No bed'} · ${conditionLabel(strip.condition)} · ${dateTime(onset, timeZone)}`,
          from: onset - STRIP_BEFORE_MS,
          to: onset + STRIP_AFTER_MS,
          onset,
          onsetLabel: 'onset',
          waves: STRIP_WAVES.filter((w) => strip.waves[w.code]?.length).map((w) => ({ label: w.label, gain: w.gain, stretches: strip.waves[w.code]!.map(decodeStretch) })),
        });
      }
      blocks.push({
        kind: 'text',
        tone: 'muted',
        text: `${STRIP_BEFORE_MS / 1000} s before to ${STRIP_AFTER_MS / 1000} s after each onset, as the station stored them (stations set to send the waves around alarms).${strips.length > MAX_STRIPS ? ` The first ${MAX_STRIPS} of the period; the rest at GET /v1/patients/{id}/alarms/{alarmId}/waves.` : ''}`,
      });
    }

    const totals = PRIORITIES.map((p) => `${result.totals[p]} ${PRIORITY_NAME[p].toLowerCase()}`).join(', ');
    const period = `${dateTime(from.getTime(), timeZone)} – ${dateTime(to.getTime(), timeZone)}`;
    const conditionSummary = result.conditions.flatMap((c) =>
      PRIORITIES.filter((p) => c.counts[p] > 0).map((p) => ({ condition: c.condition, type: c.type, priority: p, count: c.counts[p], beds: c.bedsByPriority[p] })),
    );
    return {
      title: 'Ward alarm report',
      identity: [
        ['Ward', `${wardName} (${params.stationId})`],
        ['Alarms started', `${rowCount}: ${totals}`],
        ['Period', period],
        ['Time zone', zoneLabel(from.getTime(), to.getTime(), timeZone)],
        ['Generated', `${dateTime(context.generatedAt.getTime(), timeZone)} (${timeZone})`],
        ['Generated by', context.generatedBy],
      ],
      runningHeader: `Ward alarm report · ${wardName} · ${period} (${timeZone})`,
      blocks,
      summary: { from: from.toISOString(), to: to.toISOString(), timeZone, alarms: rowCount, medianAckSeconds: result.ward.medianAckMs === null ? null : Math.round(result.ward.medianAckMs / 1000), byCondition: conditionSummary, byBed: result.beds.map((b) => ({ bed: b.bed, ...b.counts, alarmMinutes: Math.round(b.alarmMs / 60_000), medianAckSeconds: b.medianAckMs === null ? null : Math.round(b.medianAckMs / 1000) })) },
      rowCount,
    };
  },
};
