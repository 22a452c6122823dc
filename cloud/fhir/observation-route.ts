import type { Observation } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { CLINICAL } from '../patients/patient-routes.js';
import type { Rollup } from '../vitals/resolution.js';
import { bucketObservation, parseSampleId, sampleObservation } from './observation-resource.js';
import { invalidSearch } from './operation-outcome.js';
import type { ResourceRoute } from './resource-route.js';
import { dateRange, referenceId, tokenValues } from './search-params.js';
import { BLOOD_PRESSURE, kindByKey, kindOfVital, kindsForCode, OBSERVATION_KINDS, VITAL_SIGNS_CATEGORY, VITAL_SIGNS_PROFILE } from './vital-signs.js';

const UTC = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/** The Observation a stored vital belongs to: systolic and diastolic are one panel. */
const GROUP = `CASE WHEN vital = ANY('{${BLOOD_PRESSURE.vitals.join(',')}}'::smallint[]) THEN ${BLOOD_PRESSURE.vitals[0]} ELSE vital END`;

/**
 * Raw samples of patient $1 in [$2, $3) ms of vitals $4, grouped into Observations (instant,
 * group, device), in that order after the keyset cursor ($5, $6, $7). Reads index
 * vitals_patient_ts in time order from the cursor's instant and stops after the page.
 */
export const SEARCH_SAMPLES = `
SELECT ${UTC('ts')} AS at, (extract(epoch FROM ts) * 1000000)::bigint::text AS micros, grp, device_ref AS "deviceRef",
       array_agg(vital ORDER BY vital) AS vitals, array_agg(value ORDER BY vital) AS "values"
FROM (
  SELECT ts, ${GROUP} AS grp, vital, value, device_ref FROM vitals
  WHERE patient_id = $1 AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0) AND vital = ANY($4::smallint[])
    AND ts >= $5::text::timestamptz AND (ts, ${GROUP}, device_ref) > ($5::text::timestamptz, $6::int, $7::int)
) r
GROUP BY ts, grp, device_ref
ORDER BY ts, grp, device_ref
LIMIT $8`;

/** One sample group by its id's parts: patient $1, instant $2 (epoch µs), device $3, vitals $4. */
export const GET_SAMPLE = `
SELECT ${UTC('ts')} AS at, $2::bigint::text AS micros, device_ref AS "deviceRef", array_agg(vital ORDER BY vital) AS vitals, array_agg(value ORDER BY vital) AS "values"
FROM vitals
WHERE patient_id = $1 AND ts = timestamptz 'epoch' + $2::bigint * interval '1 microsecond' AND device_ref = $3 AND vital = ANY($4::smallint[])
GROUP BY ts, device_ref`;

/** Rollup buckets of patient $1 that start in [$2, $3) ms, vitals $4, by (bucket, group) after ($5, $6). */
export function searchBuckets(source: Rollup): string {
  return `
SELECT ${UTC('bucket')} AS start, (extract(epoch FROM bucket) * 1000)::float8 AS "startMs", grp,
       array_agg(vital ORDER BY vital) AS vitals, array_agg(min ORDER BY vital) AS mins, array_agg(max ORDER BY vital) AS maxs,
       array_agg(round((sum / count)::numeric, 2)::float8 ORDER BY vital) AS means, array_agg(count::int ORDER BY vital) AS counts
FROM (
  SELECT bucket, ${GROUP} AS grp, vital, min, max, sum, count FROM ${source}
  WHERE patient_id = $1 AND bucket >= to_timestamp($2 / 1000.0) AND bucket < to_timestamp($3 / 1000.0) AND vital = ANY($4::smallint[])
    AND bucket >= $5::text::timestamptz AND (bucket, ${GROUP}) > ($5::text::timestamptz, $6::int)
) r
GROUP BY bucket, grp
ORDER BY bucket, grp
LIMIT $7`;
}

/** The `aggregate` values: rollup widths, each read from its own rollup (never from raw rows). */
export const AGGREGATES: Record<string, { source: Rollup; ms: number }> = {
  '1m': { source: 'vitals_1m', ms: 60_000 },
  '5m': { source: 'vitals_5m', ms: 300_000 },
  '1h': { source: 'vitals_1h', ms: 3_600_000 },
  '1d': { source: 'vitals_1d', ms: 86_400_000 },
};
const BUCKET_SQL = Object.fromEntries(Object.entries(AGGREGATES).map(([width, a]) => [width, searchBuckets(a.source)]));

/** Timestamps PostgreSQL takes (1970 to year 275760): an open range is bounded by these. */
const ALL_TIME = { from: 0, to: 8.64e15 };

interface SampleRow {
  at: string;
  micros: string;
  grp: number;
  deviceRef: number;
  vitals: number[];
  values: number[];
}

interface BucketRow {
  start: string;
  startMs: number;
  grp: number;
  vitals: number[];
  mins: number[];
  maxs: number[];
  means: number[];
  counts: number[];
}

const zip = <T>(keys: readonly number[], values: readonly T[]): Map<number, T> => new Map(keys.map((k, i) => [Number(k), values[i]!]));

export const observationRoute: ResourceRoute<Observation> = {
  type: 'Observation',
  access: CLINICAL,
  profile: 'http://hl7.org/fhir/StructureDefinition/Observation',
  supportedProfiles: [VITAL_SIGNS_PROFILE, ...new Set(OBSERVATION_KINDS.map((k) => k.profile).filter((p): p is string => p !== null))],
  documentation:
    'Vital signs (vital-signs profile): one Observation per sample, blood pressure as the 85354-9 panel. Without `aggregate` a search returns raw samples (any range, paged); ' +
    'with `aggregate=1m|5m|1h|1d` it returns one Observation per rollup bucket (valueQuantity = mean, effectivePeriod = the bucket, minimum / maximum / count in the extension ' +
    'urn:ward-cloud:fhir:StructureDefinition:bucket-statistics), read from the rollups: 24 hours in 5-minute buckets is 288 Observations per vital. ' +
    'Read by id works for raw samples. Audited as vitals.history.',
  async read(call, id) {
    const parsed = parseSampleId(id);
    const kind = parsed && kindByKey(parsed.key);
    if (!parsed || !kind) return null;
    const [row] = await run<SampleRow>(call.ctx.sql, GET_SAMPLE, [parsed.patientId, parsed.micros, parsed.deviceRef, kind.vitals]);
    if (!row) return null;
    call.audit('vitals.history', parsed.patientId, { via: 'fhir', observation: id });
    return sampleObservation({ patientId: parsed.patientId, kind, at: row.at, micros: row.micros, deviceRef: row.deviceRef, values: zip(row.vitals, row.values.map(Number)) });
  },
  search: {
    pageSize: { default: 100, max: 1000 },
    params: [
      { name: 'patient', type: 'reference', required: true, definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient', documentation: 'Required: Patient/id. One patient per search.' },
      { name: 'code', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/clinical-code', documentation: `LOINC or MDC codes, comma-separated (OR): ${OBSERVATION_KINDS.map((k) => k.coding[0]!.code).join(', ')}; 8480-6 and 8462-4 select the blood pressure panel. Default: all.` },
      { name: 'category', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Observation-category', documentation: 'Only vital-signs (every Observation here is one).' },
      { name: 'date', type: 'date', repeats: true, definition: 'http://hl7.org/fhir/SearchParameter/clinical-date', documentation: 'Prefixes ge, gt, le, lt, eq; repeat to AND (date=ge…&date=lt…). Raw: the sample instant; aggregated: the bucket start.' },
      { name: 'aggregate', type: 'token', documentation: 'Custom: 1m, 5m, 1h or 1d. One Observation per rollup bucket of that width instead of raw samples (see the resource documentation). Same paging rules.' },
    ],
    async run(call, query, page) {
      const patientId = referenceId(query.one('patient')!, 'Patient', 'patient');
      const category = query.one('category');
      if (category !== undefined && !tokenValues(category, 'category').some((t) => t.code === VITAL_SIGNS_CATEGORY.code && (t.system === null || t.system === VITAL_SIGNS_CATEGORY.system))) {
        return { resources: [], nextCursor: null };
      }
      const code = query.one('code');
      const kinds = code === undefined ? [...OBSERVATION_KINDS] : [...new Set(tokenValues(code, 'code').flatMap((t) => kindsForCode(t.system, t.code)))];
      const { from, to } = dateRange(query.all('date'), 'date', ALL_TIME);
      const aggregate = query.one('aggregate');
      const width = aggregate === undefined ? undefined : AGGREGATES[aggregate];
      if (aggregate !== undefined && !width) throw invalidSearch(`aggregate=${aggregate.slice(0, 10)}: expected one of ${Object.keys(AGGREGATES).join(', ')}`);
      if (kinds.length === 0 || !(to > from)) return { resources: [], nextCursor: null };
      const vitals = kinds.flatMap((k) => k.vitals);
      if (!(await call.ctx.patients.exists(patientId))) return { resources: [], nextCursor: null };
      call.audit('vitals.history', patientId, { via: 'fhir', from, to: to === ALL_TIME.to ? null : to, aggregate: aggregate ?? null });

      if (width) {
        const after = decodeCursor(page.cursor, ['string', 'number']);
        const rows = await run<BucketRow>(call.ctx.sql, BUCKET_SQL[aggregate!]!, [patientId, from, to, vitals, after?.[0] ?? '-infinity', after?.[1] ?? 0, page.count + 1]);
        const items = rows.slice(0, page.count);
        const last = items[items.length - 1];
        return {
          resources: items.map((r) => {
            const startMs = Number(r.startMs);
            const stats = new Map(r.vitals.map((v, i) => [Number(v), { min: Number(r.mins[i]), max: Number(r.maxs[i]), mean: Number(r.means[i]), count: Number(r.counts[i]) }]));
            return bucketObservation({ patientId, kind: kindOfVital(r.grp), width: aggregate!, start: r.start, end: new Date(startMs + width.ms).toISOString(), startMs, stats });
          }),
          nextCursor: rows.length > page.count && last ? encodeCursor([last.start, last.grp]) : null,
        };
      }
      const after = decodeCursor(page.cursor, ['string', 'number', 'number']);
      const rows = await run<SampleRow>(call.ctx.sql, SEARCH_SAMPLES, [patientId, from, to, vitals, after?.[0] ?? '-infinity', after?.[1] ?? 0, after?.[2] ?? -1, page.count + 1]);
      const items = rows.slice(0, page.count);
      const last = items[items.length - 1];
      return {
        resources: items.map((r) => sampleObservation({ patientId, kind: kindOfVital(r.grp), at: r.at, micros: r.micros, deviceRef: r.deviceRef, values: zip(r.vitals, r.values.map(Number)) })),
        nextCursor: rows.length > page.count && last ? encodeCursor([last.at, last.grp, last.deviceRef]) : null,
      };
    },
  },
};
