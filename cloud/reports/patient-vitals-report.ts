import { run, type Sql } from '../db/sql.js';
import { VITAL_DEFINITIONS, vitalById } from '../../gateway/protocol/vitals.js';
import { isWirePriority, PRIORITY_COLOUR, PRIORITY_NAME, priorityLegend } from './alarm-colours.js';
import { clinicalLabel, clinicalValue, conditionLabel } from './clinical-labels.js';
import { clock, dateTime, duration, interval, longDate, zoneLabel } from './local-time.js';
import { chartAxis, displayBucketMs, foldBuckets, limitExposure, type RollupBucket } from './vitals-buckets.js';
import { streamRows } from './stream-rows.js';
import type { Cell, CsvOut, OnsetMarker, ReportBlock, ReportContext, ReportGenerator, ReportModel } from './report-model.js';
import { WARD_DEFAULT_LIMITS } from './ward-limits.js';

export interface PatientVitalsParams {
  readonly patientId: number;
  /** First day, YYYY-MM-DD, in `timeZone`. */
  readonly date: string;
  readonly period: 'day' | 'week';
  /** IANA zone the period and every time in the PDF are in; UTC when absent. */
  readonly timeZone?: string;
}

/**
 * Rows from the rollups only, never raw vitals (bounded work however many raw samples there are): a day reads the minute
 * rollup (1,440 buckets per vital), a week the hour rollup (168). Both are views in TimescaleDB
 * mode and tables in native mode, with the same columns, so this text runs in either.
 */
export const PATIENT_VITALS_ROWS = {
  day: `SELECT bucket, vital, min, max, sum, count FROM vitals_1m
WHERE patient_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket, vital`,
  week: `SELECT bucket, vital, min, max, sum, count FROM vitals_1h
WHERE patient_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket, vital`,
} as const;

const ROLLUP_MS = { day: 60_000, week: 3_600_000 } as const;

/** The patient and the period: local midnight to local midnight in the report's zone (23 or 25 hours on a change of clock). */
export const PATIENT_PERIOD = `
SELECT mrn, name, birth_date::text AS birth_date,
  ($2::date)::timestamp AT TIME ZONE $4 AS period_start,
  ($2::date + $3::int)::timestamp AT TIME ZONE $4 AS period_end
FROM patients WHERE id = $1`;

/** Where the patient was: the ward and bed of their last alarm event up to the period's end (index alarm_events_patient_at). */
export const PATIENT_LOCATION = `
SELECT s.id AS station_id, s.name AS ward, a.bed_id FROM alarm_events a JOIN stations s ON s.id = a.station_id
WHERE a.patient_id = $1 AND a.at < $2 ORDER BY a.at DESC LIMIT 1`;

/** Else the ward of the device of their last sample (index vitals_patient_ts; one row). */
export const PATIENT_WARD_BY_DEVICE = `
SELECT s.id AS station_id, s.name AS ward, NULL AS bed_id FROM vitals v
JOIN station_devices d ON d.id = v.device_ref JOIN stations s ON s.id = d.station_id
WHERE v.patient_id = $1 AND v.ts < $2 ORDER BY v.ts DESC LIMIT 1`;

/** The alarm onsets to mark, bounded (MAX_ONSETS + 1 tells "more than"): a report is read, not scrolled. */
export const PATIENT_ALARM_ONSETS = `
SELECT at, condition, type, priority, value, limit_value FROM alarm_events
WHERE patient_id = $1 AND phase = 'start' AND at >= $2 AND at < $3 ORDER BY at LIMIT $4`;
const MAX_ONSETS = 1000;

const ALARM_ROWS = 60;
/** Print-safe trace colours, none of them an alarm colour. */
const TRACE: Readonly<Record<string, string>> = { HR: '#2e7d32', PR: '#00796b', SPO2: '#1565c0', RR: '#7a5c00', TEMP: '#6a1b9a', ETCO2: '#5d4037', NIBP: '#ad1457' };
const NIBP = ['NIBP_SYS', 'NIBP_DIA', 'NIBP_MEAN'];

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

function ageAt(birthDate: string, at: number): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const now = new Date(at);
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age--;
  return age;
}

/** The vital an alarm condition is about ("SPO2_LOW" → SPO2, "NIBP_SYS_HIGH" → NIBP), if any. */
function vitalOfCondition(condition: string): string | null {
  const code = condition.replace(/_(LOW|HIGH)$/, '');
  if (code === condition) return null;
  return NIBP.includes(code) ? 'NIBP' : code;
}

export const patientVitalsReport: ReportGenerator<PatientVitalsParams> = {
  csvColumns: ['bucket', 'vital', 'unit', 'min', 'mean', 'max', 'count'],

  async generate(sql: Sql, params: PatientVitalsParams, csv: CsvOut, context: ReportContext): Promise<ReportModel> {
    const timeZone = params.timeZone ?? 'UTC';
    const days = params.period === 'day' ? 1 : 7;
    const [patient] = await run<{ mrn: string; name: string; birth_date: string | null; period_start: Date; period_end: Date }>(sql, PATIENT_PERIOD, [params.patientId, params.date, days, timeZone]);
    if (!patient) throw new Error(`no patient with id ${params.patientId}`);
    const from = patient.period_start;
    const to = patient.period_end;
    const rollupMs = ROLLUP_MS[params.period];

    const byVital = new Map<number, RollupBucket[]>();
    let rowCount = 0;
    const cursor = streamRows<{ bucket: Date; vital: number; min: number; max: number; sum: number; count: number }>(sql, PATIENT_VITALS_ROWS[params.period], [params.patientId, from, to], 2000);
    for await (const rows of cursor) {
      for (const row of rows) {
        const code = vitalById(row.vital);
        if (!code) continue;
        await csv([row.bucket.toISOString(), code.code, code.unit, row.min, round(row.sum / row.count, 3), row.max, row.count]);
        rowCount++;
        let list = byVital.get(row.vital);
        if (!list) byVital.set(row.vital, (list = []));
        list.push({ t: row.bucket.getTime(), min: row.min, max: row.max, sum: row.sum, count: Number(row.count) });
      }
    }

    let [location] = await run<{ station_id: string; ward: string; bed_id: string | null }>(sql, PATIENT_LOCATION, [params.patientId, to]);
    location ??= (await run<{ station_id: string; ward: string; bed_id: string | null }>(sql, PATIENT_WARD_BY_DEVICE, [params.patientId, to]))[0];
    const found = await run<{ at: Date; condition: string; type: string; priority: string; value: number | null; limit_value: number | null }>(sql, PATIENT_ALARM_ONSETS, [params.patientId, from, to, MAX_ONSETS + 1]);
    const alarms = found.slice(0, MAX_ONSETS);
    const alarmCount = found.length > MAX_ONSETS ? `more than ${MAX_ONSETS}` : String(alarms.length);

    const ordered = VITAL_DEFINITIONS.filter((v) => byVital.has(v.id));
    const summary = ordered.map((v) => {
      const buckets = byVital.get(v.id)!;
      const count = buckets.reduce((n, b) => n + b.count, 0);
      const exposure = limitExposure(buckets, rollupMs, WARD_DEFAULT_LIMITS[v.code] ?? {});
      return {
        vital: v.code,
        unit: v.unit,
        min: Math.min(...buckets.map((b) => b.min)),
        max: Math.max(...buckets.map((b) => b.max)),
        mean: buckets.reduce((n, b) => n + b.sum, 0) / count,
        count,
        limits: WARD_DEFAULT_LIMITS[v.code] ?? {},
        ...exposure,
      };
    });

    const allTimes = [...byVital.values()].flatMap((list) => [list[0]!.t, list[list.length - 1]!.t + rollupMs]);
    const axis = chartAxis(from.getTime(), to.getTime(), allTimes);
    const onsets = (vital: string): OnsetMarker[] =>
      alarms.filter((a) => vitalOfCondition(a.condition) === vital && isWirePriority(a.priority)).map((a) => ({ at: a.at.getTime(), colour: PRIORITY_COLOUR[a.priority as 'PH'] }));

    const blocks: ReportBlock[] = [];
    blocks.push({ kind: 'heading', text: 'Summary' });
    const percent = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '—');
    const limitText = (code: string, l: { low?: number; high?: number }) =>
      l.low !== undefined && l.high !== undefined ? `${clinicalValue(code, l.low)}–${clinicalValue(code, l.high)}` : l.low !== undefined ? `≥ ${clinicalValue(code, l.low)}` : l.high !== undefined ? `≤ ${clinicalValue(code, l.high)}` : '—';
    const isSpot = (code: string) => NIBP.includes(code);
    blocks.push({
      kind: 'table',
      columns: [
        { label: 'Vital', width: 2.3 },
        { label: 'Ward limits', width: 1.1, align: 'right' },
        { label: 'Min', width: 0.7, align: 'right' },
        { label: 'Mean', width: 0.7, align: 'right' },
        { label: 'Max', width: 0.7, align: 'right' },
        { label: 'Below, min', width: 0.95, align: 'right' },
        { label: 'Below, %', width: 0.85, align: 'right' },
        { label: 'Above, min', width: 0.95, align: 'right' },
        { label: 'Above, %', width: 0.85, align: 'right' },
        { label: 'Monitored', width: 1.2, align: 'right' },
      ],
      rows: summary.map((s): Cell[] => {
        const spot = isSpot(s.vital);
        return [
          clinicalLabel(s.vital).label,
          limitText(s.vital, s.limits),
          clinicalValue(s.vital, s.min),
          clinicalValue(s.vital, s.mean),
          clinicalValue(s.vital, s.max),
          spot ? `${s.bucketsBelow} rdg` : s.limits.low === undefined ? '—' : String(Math.round(s.belowMs / 60_000)),
          s.limits.low === undefined ? '—' : spot ? percent(s.bucketsBelow, s.buckets) : percent(s.belowMs, s.monitoredMs),
          spot ? `${s.bucketsAbove} rdg` : s.limits.high === undefined ? '—' : String(Math.round(s.aboveMs / 60_000)),
          s.limits.high === undefined ? '—' : spot ? percent(s.bucketsAbove, s.buckets) : percent(s.aboveMs, s.monitoredMs),
          spot ? `${s.buckets} readings` : duration(s.monitoredMs),
        ];
      }),
      empty: 'No vitals were recorded for this patient in this period.',
      note:
        `Time below and above the ward's default alarm limits counts the ${params.period === 'day' ? 'minutes' : 'hours'} whose mean was outside the limit ` +
        `(a vital measured less often, such as temperature, keeps its value until the next measurement), as a share of the monitored time. ` +
        `NIBP counts readings (rdg) instead. Min and max are single samples; the mean is over all samples.`,
    });

    if (ordered.length > 0) {
      const continuous = ordered.filter((v) => !isSpot(v.code));
      const display = displayBucketMs(axis.to - axis.from, rollupMs);
      blocks.push({ kind: 'heading', text: 'Trends' });
      blocks.push({
        kind: 'text',
        tone: 'muted',
        text: axis.whole
          ? `Charts cover the whole period, ${dateTime(axis.from, timeZone)} to ${dateTime(axis.to, timeZone)}. Times are local (24-hour clock).`
          : `Charts cover ${dateTime(axis.from, timeZone)} to ${dateTime(axis.to, timeZone)}, the hours with data; there is no data for the rest of the period. Times are local (24-hour clock).`,
      });
      blocks.push({
        kind: 'legend',
        items: [
          { colour: '#555555', label: `min–max per ${interval(display)}`, shape: 'band' },
          { colour: '#555555', label: 'mean', shape: 'line' },
          { colour: '#6b6b6b', label: 'ward limit', shape: 'dash' },
          ...priorityLegend().map((p) => ({ ...p, label: `${p.label} alarm onset`, shape: 'triangle' as const })),
        ],
      });
      blocks.push({
        kind: 'band-chart',
        axis: { from: axis.from, to: axis.to, timeZone },
        panels: continuous.map((v) => ({
          label: clinicalLabel(v.code).label,
          colour: TRACE[v.code] ?? '#333333',
          bucketMs: display,
          buckets: foldBuckets(byVital.get(v.id)!, axis.from, display),
          limits: WARD_DEFAULT_LIMITS[v.code] ?? {},
          onsets: onsets(v.code),
          decimals: clinicalLabel(v.code).decimals,
        })),
      });
      const nibp = (code: string) => byVital.get(VITAL_DEFINITIONS.find((v) => v.code === code)!.id) ?? [];
      if (NIBP.some((code) => nibp(code).length > 0)) {
        const readings = new Map<number, { t: number; systolic: number | null; diastolic: number | null; mean: number | null }>();
        const reading = (t: number) => readings.get(t) ?? readings.set(t, { t, systolic: null, diastolic: null, mean: null }).get(t)!;
        for (const b of nibp('NIBP_SYS')) reading(b.t).systolic = b.sum / b.count;
        for (const b of nibp('NIBP_DIA')) reading(b.t).diastolic = b.sum / b.count;
        for (const b of nibp('NIBP_MEAN')) reading(b.t).mean = b.sum / b.count;
        blocks.push({
          kind: 'readings-chart',
          axis: { from: axis.from, to: axis.to, timeZone },
          label: `NIBP, mmHg: ▼ systolic, ▲ diastolic, ● mean${params.period === 'week' ? ' (hourly means)' : ''}`,
          colour: TRACE.NIBP!,
          readings: [...readings.values()].sort((a, b) => a.t - b.t).map((r) => ({ ...r, t: r.t + rollupMs / 2 })),
          limits: WARD_DEFAULT_LIMITS.NIBP_SYS ?? {},
          limitsOf: 'sys',
          onsets: onsets('NIBP'),
        });
      }
    }

    blocks.push({ kind: 'heading', text: `Alarms (${alarmCount})` });
    const shown = alarms.slice(0, ALARM_ROWS);
    blocks.push({
      kind: 'table',
      columns: [
        { label: 'Onset', width: 1.6 },
        { label: 'Alarm', width: 2.2 },
        { label: 'Priority', width: 1 },
        { label: 'Type', width: 1.2 },
        { label: 'Value', width: 1, align: 'right' },
        { label: 'Limit', width: 1, align: 'right' },
      ],
      rows: shown.map((a) => {
        const vital = vitalOfCondition(a.condition);
        const code = vital === 'NIBP' ? a.condition.replace(/_(LOW|HIGH)$/, '') : vital;
        const unit = code ? clinicalLabel(code).unit : '';
        const value = (v: number | null) => (v === null ? null : code ? `${clinicalValue(code, v)} ${unit}` : String(v));
        return [params.period === 'day' ? clock(a.at.getTime(), timeZone) : dateTime(a.at.getTime(), timeZone), conditionLabel(a.condition), isWirePriority(a.priority) ? PRIORITY_NAME[a.priority] : a.priority, a.type, value(a.value), value(a.limit_value)];
      }),
      swatches: shown.map((a) => (isWirePriority(a.priority) ? PRIORITY_COLOUR[a.priority] : null)),
      empty: 'No alarms for this patient in this period.',
      ...(alarms.length > ALARM_ROWS ? { note: `The first ${ALARM_ROWS} of ${alarmCount} alarms; the ward alarm report lists them all.${found.length > MAX_ONSETS ? ` The charts mark the first ${MAX_ONSETS}.` : ''}` } : {}),
    });
    blocks.push({ kind: 'signature', lines: ['Reviewed by (name, role)', 'Signature', 'Date and time'] });

    const period = `${longDate(from.getTime(), timeZone)} ${clock(from.getTime(), timeZone)} – ${longDate(to.getTime(), timeZone)} ${clock(to.getTime(), timeZone)}`;
    const born = patient.birth_date ? `${longDate(Date.parse(`${patient.birth_date}T12:00:00Z`), 'UTC').slice(4)}` : null;
    return {
      title: `Patient vitals report, ${params.period === 'day' ? '24 hours' : '7 days'}`,
      identity: [
        ['Patient', patient.name],
        ['MRN', patient.mrn],
        ['Date of birth', patient.birth_date && born ? `${born} (${ageAt(patient.birth_date, from.getTime())} years)` : 'not recorded'],
        ['Ward / bed', location ? `${location.ward} / ${location.bed_id ? `bed ${location.bed_id}` : 'bed not recorded'}` : 'not recorded'],
        ['Period', period],
        ['Time zone', zoneLabel(from.getTime(), to.getTime(), timeZone)],
        ['Generated', `${dateTime(context.generatedAt.getTime(), timeZone)} (${timeZone})`],
        ['Generated by', context.generatedBy],
      ],
      runningHeader: `${patient.name} · MRN ${patient.mrn} · born ${born ?? 'not recorded'} · vitals ${longDate(from.getTime(), timeZone)}${params.period === 'week' ? ` – ${longDate(to.getTime() - 1, timeZone)}` : ''} (${timeZone})`,
      blocks,
      summary: {
        from: from.toISOString(),
        to: to.toISOString(),
        timeZone,
        vitals: summary.map((s) => ({ vital: s.vital, unit: s.unit, min: s.min, max: s.max, mean: s.mean, count: s.count, minutesBelow: round(s.belowMs / 60_000, 0), minutesAbove: round(s.aboveMs / 60_000, 0), minutesMonitored: round(s.monitoredMs / 60_000, 0) })),
        alarms: found.length > MAX_ONSETS ? null : alarms.length,
      },
      rowCount,
    };
  },
};
