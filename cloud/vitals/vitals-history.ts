import type { Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { chooseResolution, RAW_MAX_RANGE_MS, type Resolution, type Rollup } from './resolution.js';
import { VITAL_CODES, vitalByCode, vitalById } from './vital-codes.js';

/** Raw rows of one patient in [from, to), by time (index vitals_patient_ts). Same text in both modes. */
export const SELECT_RAW = `
SELECT vital, (extract(epoch FROM ts) * 1000)::float8 AS t, value
FROM vitals
WHERE patient_id = $1 AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0) AND vital = ANY($4::smallint[])
ORDER BY ts
LIMIT $5`;

/** Buckets of `$4` seconds re-aggregated from a rollup: exact min/max, mean = sum/count. */
export function selectBuckets(source: Rollup): string {
  return `
SELECT vital, (extract(epoch FROM date_bin(make_interval(secs => $4), bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00')) * 1000)::float8 AS t,
       min(min) AS min, max(max) AS max, (sum(sum) / sum(count))::float8 AS mean, sum(count)::bigint AS n
FROM ${source}
WHERE patient_id = $1 AND bucket >= to_timestamp($2 / 1000.0) AND bucket < to_timestamp($3 / 1000.0) AND vital = ANY($5::smallint[])
GROUP BY 1, 2
ORDER BY 2, 1`;
}

const BUCKET_SQL: Record<Rollup, string> = { vitals_1m: selectBuckets('vitals_1m'), vitals_1h: selectBuckets('vitals_1h'), vitals_1d: selectBuckets('vitals_1d') };

/** A patient's alarm events, newest first, keyset (at, station, event). */
export const SELECT_ALARMS = `
SELECT station_id AS "stationId", event_id AS "eventId", (extract(epoch FROM at) * 1000)::float8 AS at, alarm_id AS "alarmId", phase, condition,
       type, priority, state, inactivation, bed_id AS "bedId", device_id AS "deviceId", value, limit_value AS "limit", actor, reason
FROM alarm_events
WHERE patient_id = $1 AND at >= to_timestamp($2 / 1000.0) AND at < to_timestamp($3 / 1000.0)
  AND ($4::float8 IS NULL OR (at, station_id, event_id) < (to_timestamp($4 / 1000.0), $5::text, $6::bigint))
ORDER BY at DESC, station_id DESC, event_id DESC
LIMIT $7`;

const RAW_ROW_LIMIT = 250_000;

export interface VitalsSeries {
  readonly unit: string;
  /** raw: [t, value]; buckets: [t, min, mean, max, count]. t is epoch ms (bucket start). */
  readonly points: number[][];
}

export interface HistoryAnswer {
  readonly patientId: number;
  readonly from: number;
  readonly to: number;
  readonly resolution: 'raw' | { readonly bucketSeconds: number };
  readonly series: Record<string, VitalsSeries>;
}

export class VitalsHistory {
  constructor(private readonly sql: Sql) {}

  async history(patientId: number, from: number, to: number, options: { vitals?: string[]; resolution?: 'auto' | 'raw' | number; maxPoints?: number } = {}): Promise<HistoryAnswer> {
    if (!(to > from)) throw new ApiError('invalid_request', '"to" must be after "from"');
    const codes = options.vitals?.length ? options.vitals : VITAL_CODES.map((v) => v.code);
    const ids = codes.map((code) => {
      const def = vitalByCode(code);
      if (!def) throw new ApiError('invalid_request', `unknown vital code ${code}`);
      return def.id;
    });
    const resolution: Resolution = chooseResolution(to - from, options.resolution ?? 'auto', options.maxPoints);
    if (resolution.kind === 'raw' && to - from > 12 * RAW_MAX_RANGE_MS) throw new ApiError('invalid_request', 'raw history is limited to 6 hours; ask for buckets');
    const series: Record<string, VitalsSeries> = {};
    const add = (vital: number, point: number[]) => {
      const def = vitalById(vital)!;
      (series[def.code] ??= { unit: def.unit, points: [] }).points.push(point);
    };
    if (resolution.kind === 'raw') {
      const rows = await this.sql.unsafe<Array<{ vital: number; t: number; value: number }>>(SELECT_RAW, [patientId, from, to, ids, RAW_ROW_LIMIT], { prepare: true });
      for (const r of rows) add(r.vital, [r.t, r.value]);
      return { patientId, from, to, resolution: 'raw', series };
    }
    const rows = await this.sql.unsafe<Array<{ vital: number; t: number; min: number; max: number; mean: number; n: number }>>(
      BUCKET_SQL[resolution.source],
      [patientId, from, to, resolution.seconds, ids],
      { prepare: true },
    );
    for (const r of rows) add(r.vital, [r.t, r.min, Math.round(r.mean * 100) / 100, r.max, r.n]);
    return { patientId, from, to, resolution: { bucketSeconds: resolution.seconds }, series };
  }

  async alarms(patientId: number, from: number, to: number, page: { cursor?: string; limit: number }): Promise<{ items: Array<Record<string, unknown>>; nextCursor: string | null }> {
    const after = decodeCursor(page.cursor, ['number', 'string', 'number']);
    const rows = await this.sql.unsafe<Array<Record<string, unknown> & { at: number; stationId: string; eventId: number }>>(
      SELECT_ALARMS,
      [patientId, from, to, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, page.limit + 1],
      { prepare: true },
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.at, last.stationId, last.eventId]) : null };
  }
}
