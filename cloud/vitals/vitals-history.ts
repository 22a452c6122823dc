import { run, type Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { chooseResolution, RAW_MAX_RANGE_MS, type Resolution, type Rollup } from './resolution.js';
import { VITAL_CODES, vitalByCode, vitalById } from '../../gateway/protocol/vitals.js';

/**
 * Raw rows of one patient in [from, to), by time (index vitals_patient_ts), one row per vital
 * with its points already as JSON text: PostgreSQL builds the arrays, Node passes them through
 * (no parsing and re-serializing thousands of numbers per request). Same text in both modes.
 */
export const SELECT_RAW = `
SELECT vital, json_agg(json_build_array((extract(epoch FROM ts) * 1000)::bigint, value) ORDER BY ts)::text AS points
FROM (
  SELECT ts, vital, value FROM vitals
  WHERE patient_id = $1 AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0) AND vital = ANY($4::smallint[])
  ORDER BY ts LIMIT $5
) r
GROUP BY vital`;

/**
 * Buckets of `$4` seconds re-aggregated from a rollup: exact min and max, mean = sum / count.
 * Grouped on the timestamp (cheap), converted to epoch ms once per bucket; points as JSON text.
 */
export function selectBuckets(source: Rollup): string {
  return `
SELECT vital, json_agg(json_build_array((extract(epoch FROM t) * 1000)::bigint, min, round(mean::numeric, 2), max, n) ORDER BY t)::text AS points
FROM (
  SELECT vital, date_bin(make_interval(secs => $4), bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t,
         min(min) AS min, max(max) AS max, sum(sum) / sum(count) AS mean, sum(count) AS n
  FROM ${source}
  WHERE patient_id = $1 AND bucket >= to_timestamp($2 / 1000.0) AND bucket < to_timestamp($3 / 1000.0) AND vital = ANY($5::smallint[])
  GROUP BY 1, 2
) b
GROUP BY vital`;
}

/**
 * Buckets exactly as wide as the rollup's: one row is one bucket, nothing to re-aggregate
 * ($4 = the vitals). The common case: 24 hours in 5-minute buckets.
 */
export function selectRollupRows(source: Rollup): string {
  return `
SELECT vital, json_agg(json_build_array((extract(epoch FROM bucket) * 1000)::bigint, min, round((sum / count)::numeric, 2), max, count) ORDER BY bucket)::text AS points
FROM ${source}
WHERE patient_id = $1 AND bucket >= to_timestamp($2 / 1000.0) AND bucket < to_timestamp($3 / 1000.0) AND vital = ANY($4::smallint[])
GROUP BY vital`;
}

const ROLLUPS: readonly Rollup[] = ['vitals_1m', 'vitals_5m', 'vitals_1h', 'vitals_1d'];
const ROLLUP_SECONDS: Record<Rollup, number> = { vitals_1m: 60, vitals_5m: 300, vitals_1h: 3600, vitals_1d: 86400 };
const BUCKET_SQL = Object.fromEntries(ROLLUPS.map((r) => [r, selectBuckets(r)])) as Record<Rollup, string>;
const ROLLUP_ROWS_SQL = Object.fromEntries(ROLLUPS.map((r) => [r, selectRollupRows(r)])) as Record<Rollup, string>;

/** A patient's alarm events, newest first, keyset (at, station, origin, event). */
export const SELECT_ALARMS = `
SELECT station_id AS "stationId", origin, event_id AS "eventId", (extract(epoch FROM at) * 1000)::float8 AS at, alarm_id AS "alarmId", phase, condition,
       type, priority, state, inactivation, bed_id AS "bedId", device_id AS "deviceId", value, limit_value AS "limit", actor, reason
FROM alarm_events
WHERE patient_id = $1 AND at >= to_timestamp($2 / 1000.0) AND at < to_timestamp($3 / 1000.0)
  AND ($4::float8 IS NULL OR (at, station_id, origin, event_id) < (to_timestamp($4 / 1000.0), $5::text, $6::text, $7::bigint))
ORDER BY at DESC, station_id DESC, origin DESC, event_id DESC
LIMIT $8`;

const RAW_ROW_LIMIT = 250_000;

/** The shape of historyJson's text (documented in the OpenAPI response schema). */
export interface HistoryAnswer {
  readonly patientId: number;
  readonly from: number;
  readonly to: number;
  readonly resolution: 'raw' | { readonly bucketSeconds: number };
  /** code → { unit, points }: raw points [t, value]; buckets [t, min, mean, max, count]; t in epoch ms. */
  readonly series: Record<string, { readonly unit: string; readonly points: number[][] }>;
}

export class VitalsHistory {
  constructor(private readonly sql: Sql) {}

  /** The history as JSON text, ready to send (the points come from PostgreSQL as JSON already). */
  async historyJson(patientId: number, from: number, to: number, options: { vitals?: string[]; resolution?: 'auto' | 'raw' | number; maxPoints?: number } = {}): Promise<string> {
    if (!(to > from)) throw new ApiError('invalid_request', '"to" must be after "from"');
    const codes = options.vitals?.length ? options.vitals : VITAL_CODES;
    const ids = codes.map((code) => {
      const def = vitalByCode(code);
      if (!def) throw new ApiError('invalid_request', `unknown vital code ${code}`);
      return def.id;
    });
    const resolution: Resolution = chooseResolution(to - from, options.resolution ?? 'auto', options.maxPoints);
    if (resolution.kind === 'raw' && to - from > 12 * RAW_MAX_RANGE_MS) throw new ApiError('invalid_request', 'raw history is limited to 6 hours; ask for buckets');
    const rows =
      resolution.kind === 'raw'
        ? await run<{ vital: number; points: string }>(this.sql, SELECT_RAW, [patientId, from, to, ids, RAW_ROW_LIMIT])
        : resolution.seconds === ROLLUP_SECONDS[resolution.source]
          ? await run<{ vital: number; points: string }>(this.sql, ROLLUP_ROWS_SQL[resolution.source], [patientId, from, to, ids])
          : await run<{ vital: number; points: string }>(this.sql, BUCKET_SQL[resolution.source], [patientId, from, to, resolution.seconds, ids]);
    const series = rows
      .sort((a, b) => a.vital - b.vital)
      .map((r) => {
        const def = vitalById(r.vital)!;
        return `${JSON.stringify(def.code)}:{"unit":${JSON.stringify(def.unit)},"points":${r.points}}`;
      });
    const head = JSON.stringify({ patientId, from, to, resolution: resolution.kind === 'raw' ? 'raw' : { bucketSeconds: resolution.seconds } });
    return `${head.slice(0, -1)},"series":{${series.join(',')}}}`;
  }

  async alarms(patientId: number, from: number, to: number, page: { cursor?: string; limit: number }): Promise<{ items: Array<Record<string, unknown>>; nextCursor: string | null }> {
    const after = decodeCursor(page.cursor, ['number', 'string', 'string', 'number']);
    const rows = await run<Record<string, unknown> & { at: number; stationId: string; origin: string; eventId: number }>(
      this.sql,
      SELECT_ALARMS,
      [patientId, from, to, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, after?.[3] ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.at, last.stationId, last.origin, last.eventId]) : null };
  }
}
