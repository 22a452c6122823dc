import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../../cloud/db/sql.js';
import { writeVitals, type VitalRows } from '../../../cloud/vitals/vitals-write.js';
import { addUser, api, putBatch, signIn, startTestCloud } from '../../helpers/cloud-fixture.js';

/**
 * The TimescaleDB storage mode on a real PostgreSQL 15 + TimescaleDB server (the timescaledb test
 * project's), through the service itself: ingest over HTTP, the hypertable, its continuous
 * aggregates in real time and materialized, compression and retention by the policies' own jobs
 * (run with CALL run_job, as the scheduler would; the test server's scheduler is off), and the
 * history API answering exactly as native mode does on the same data. The native twin runs on
 * the same server with CLOUD_STORAGE_MODE=native.
 */
const DAY = 86_400_000;
const MINUTE = 60_000;
const NOW = Date.now();
/** 01:00 UTC five days ago: past the compression policy's two days, inside the refresh windows. */
const OLD = Math.floor((NOW - 5 * DAY) / DAY) * DAY + 3600_000;
const RECENT = Math.floor((NOW - 20 * MINUTE) / MINUTE) * MINUTE;
const PATIENTS = [
  { mrn: 'TS-1', name: 'Ada Timescale', birthDate: '1950-12-10' },
  { mrn: 'TS-2', name: 'Grace Timescale', birthDate: null },
];

/** Station observations at 1 Hz from `start`; values vary so min, mean and max all differ. */
function observations(firstId: number, start: number, count: number, patient: (typeof PATIENTS)[number]) {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    deviceId: `mon-${patient.mrn}`,
    bedId: 'B1',
    ts: start + i * 1000,
    patient,
    vitals: { HR: 60 + ((i * 7) % 41), SPO2: 88 + ((i * 3) % 12), ...(i % 5 === 0 ? { RR: 12 + (i % 9) } : {}) },
  }));
}

type Cloud = Awaited<ReturnType<typeof startTestCloud>>;

describe('TimescaleDB mode on a real TimescaleDB server, beside native mode on the same data', () => {
  let timescale: Cloud;
  let native: Cloud;
  const tokens = new Map<Cloud, string>();
  const credentials = new Map<Cloud, string>();
  const patientIds = new Map<Cloud, number[]>();
  let sql: Sql;
  const jobs = async (proc: string) => (await sql<Array<{ id: number }>>`SELECT job_id AS id FROM timescaledb_information.jobs WHERE proc_name = ${proc} ORDER BY job_id`).map((j) => j.id);
  const runJobs = async (proc: string) => {
    for (const id of await jobs(proc)) await sql.unsafe(`CALL run_job(${id})`);
  };

  /** The same batches, in the same order, to both clouds. */
  async function ingestBoth(batchId: string, batch: { observations: unknown[]; alarmEvents: unknown[] }) {
    for (const cloud of [timescale, native]) expect((await putBatch(cloud.url, credentials.get(cloud)!, batchId, batch)).status).toBe(200);
  }

  /** One API answer from each mode, with the patient's id (which may differ) left out. */
  async function bothAnswer(path: (patientId: number) => string, patient = 0): Promise<[unknown, unknown]> {
    const answers = await Promise.all(
      [timescale, native].map(async (cloud) => {
        const response = await api<Record<string, unknown>>(cloud.url, path(patientIds.get(cloud)![patient]!), { token: tokens.get(cloud)! });
        expect(response.status).toBe(200);
        const { patientId: _, ...rest } = response.body;
        return rest;
      }),
    );
    return [answers[0], answers[1]];
  }

  const READS: Array<[string, (id: number) => string]> = [
    ['raw, 30 minutes', (id) => `/v1/patients/${id}/vitals?from=${OLD + 10 * MINUTE}&to=${OLD + 40 * MINUTE}`],
    ['raw, recent', (id) => `/v1/patients/${id}/vitals?from=${RECENT - MINUTE}&to=${RECENT + 25 * MINUTE}&resolution=raw`],
    ['1-minute buckets, 3 hours', (id) => `/v1/patients/${id}/vitals?from=${OLD - 30 * MINUTE}&to=${OLD + 150 * MINUTE}&resolution=60`],
    ['2-minute buckets (re-aggregated 1-minute)', (id) => `/v1/patients/${id}/vitals?from=${OLD}&to=${OLD + 3 * 3600_000}&resolution=120`],
    ['5-minute buckets, 24 hours (auto)', (id) => `/v1/patients/${id}/vitals?from=${OLD - 3600_000}&to=${OLD + 23 * 3600_000}`],
    ['15-minute buckets', (id) => `/v1/patients/${id}/vitals?from=${OLD}&to=${OLD + DAY}&resolution=900`],
    ['hourly buckets, 7 days', (id) => `/v1/patients/${id}/vitals?from=${NOW - 7 * DAY}&to=${NOW}&resolution=3600`],
    ['daily buckets, 30 days', (id) => `/v1/patients/${id}/vitals?from=${NOW - 30 * DAY}&to=${NOW + DAY}&resolution=86400`],
    ['weekly buckets (re-aggregated daily)', (id) => `/v1/patients/${id}/vitals?from=${NOW - 60 * DAY}&to=${NOW + DAY}&resolution=604800`],
    ['latest', (id) => `/v1/patients/${id}/vitals/latest`],
    ['alarms', (id) => `/v1/patients/${id}/alarms?limit=50`],
  ];

  /** How much an answer holds: points of all series, latest values, or alarm events. */
  function substance(answer: unknown): number {
    const a = answer as { series?: Record<string, { points: unknown[] }>; vitals?: object; items?: unknown[] };
    if (a.series) return Object.values(a.series).reduce((n, s) => n + s.points.length, 0);
    if (a.vitals) return Object.keys(a.vitals).length;
    return a.items?.length ?? 0;
  }

  async function expectSameAnswers() {
    for (const patient of [0, 1]) {
      for (const [name, path] of READS) {
        const [fromTimescale, fromNative] = await bothAnswer(path, patient);
        expect(substance(fromNative), `${name}, patient ${patient}`).toBeGreaterThan(0);
        expect({ name, patient, answer: fromTimescale }).toEqual({ name, patient, answer: fromNative });
      }
    }
  }

  beforeAll(async () => {
    timescale = await startTestCloud({ env: { CLOUD_STORAGE_MODE: 'timescaledb' } });
    native = await startTestCloud({ env: { CLOUD_STORAGE_MODE: 'native' } });
    sql = timescale.service.ctx.sql;
    for (const cloud of [timescale, native]) {
      tokens.set(cloud, (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken);
      const station = await cloud.service.ctx.stations.provision('ward-ts', 'Ward TS');
      credentials.set(cloud, `${station.stationId}.${station.secret}`);
    }
    // Two hours at 1 Hz five days ago for the first patient, one hour for the second; twenty
    // minutes just now for both; a few alarms.
    await ingestBoth('old-1', { observations: observations(1, OLD, 3600, PATIENTS[0]!), alarmEvents: [] });
    await ingestBoth('old-2', { observations: observations(3601, OLD + 3600_000, 3600, PATIENTS[0]!), alarmEvents: [] });
    await ingestBoth('old-3', { observations: observations(7201, OLD + 1800_000, 3600, PATIENTS[1]!), alarmEvents: [] });
    await ingestBoth('recent-1', { observations: [...observations(10_801, RECENT, 1200, PATIENTS[0]!), ...observations(12_001, RECENT, 1200, PATIENTS[1]!)], alarmEvents: alarms() });
    for (const cloud of [timescale, native]) {
      const rows = await cloud.service.ctx.sql<Array<{ id: number }>>`SELECT id FROM patients WHERE mrn = ANY(${PATIENTS.map((p) => p.mrn)}) ORDER BY mrn`;
      patientIds.set(cloud, rows.map((r) => r.id));
    }
  });
  afterAll(async () => {
    await timescale?.stop();
    await native?.stop();
  });

  function alarms() {
    return Array.from({ length: 6 }, (_, i) => ({
      id: i + 1, alarmId: `a${i}`, phase: i % 2 === 0 ? ('start' as const) : ('end' as const), at: RECENT + i * 1000, condition: 'SPO2_LOW', type: 'physiological' as const,
      priority: 'PM' as const, state: 'active', inactivation: 'none', bedId: 'B1', deviceId: 'mon-TS-1', patient: PATIENTS[i % 2]!, value: 87, limit: 90, actor: null, reason: null,
    }));
  }

  /** Rows in a continuous aggregate's materialization (what it holds without the real-time part). */
  async function materializedRows(view: string): Promise<number> {
    const [where] = await sql<[{ schema: string; table: string }]>`
      SELECT materialization_hypertable_schema AS schema, materialization_hypertable_name AS table
      FROM timescaledb_information.continuous_aggregates WHERE view_name = ${view}`;
    const [{ n }] = await sql.unsafe<[{ n: number }]>(`SELECT count(*)::int AS n FROM "${where.schema}"."${where.table}"`);
    return n;
  }

  it('keeps vitals in a hypertable compressed per patient, with four hierarchical real-time continuous aggregates and their policies', async () => {
    expect(await api(timescale.url, '/v1/health')).toMatchObject({ body: { storageMode: 'timescaledb' } });
    expect(await api(native.url, '/v1/health')).toMatchObject({ body: { storageMode: 'native' } });
    const hypertables = await sql`SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = 'vitals'`;
    expect(hypertables).toEqual([{ hypertable_name: 'vitals', compression_enabled: true }]);
    const segmentBy = await sql`SELECT attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'vitals' AND segmentby_column_index IS NOT NULL`;
    expect(segmentBy.map((r) => r.attname)).toEqual(['patient_id']);
    const caggs = await sql`SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY view_name`;
    expect(caggs).toEqual(['vitals_1d', 'vitals_1h', 'vitals_1m', 'vitals_5m'].map((view_name) => ({ view_name, materialized_only: false })));
    expect(await jobs('policy_compression')).toHaveLength(1);
    expect(await jobs('policy_retention')).toHaveLength(3);
    expect(await jobs('policy_refresh_continuous_aggregate')).toHaveLength(4);
    const [{ n }] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    expect(n).toBe((3600 * 3 + 2400) * 2 + (3 * 3600 + 2400) / 5);
  });

  it('answers every history read exactly as native mode, in real time before any refresh', async () => {
    for (const view of ['vitals_1m', 'vitals_5m', 'vitals_1h', 'vitals_1d']) expect(await materializedRows(view)).toBe(0);
    await expectSameAnswers();
  });

  it("after the refresh policies' and the compression policy's own jobs: the old chunk is compressed, the aggregates materialized, and every answer still the same", async () => {
    await runJobs('policy_refresh_continuous_aggregate');
    await runJobs('policy_compression');
    const chunks = await sql<Array<{ compressed: boolean; start: Date }>>`
      SELECT is_compressed AS compressed, range_start AS start FROM timescaledb_information.chunks WHERE hypertable_name = 'vitals' ORDER BY range_start`;
    expect(chunks[0]!.start.getTime()).toBeLessThanOrEqual(OLD);
    expect(chunks[0]!.compressed).toBe(true);
    expect(chunks.at(-1)!.compressed).toBe(false);
    for (const view of ['vitals_1m', 'vitals_5m', 'vitals_1h', 'vitals_1d']) expect(await materializedRows(view)).toBeGreaterThan(0);
    await expectSameAnswers();
  });

  it('takes a late batch into the compressed chunk (a station catching up after days offline) and still answers as native mode', async () => {
    await ingestBoth('late-1', { observations: observations(20_001, OLD + 2 * 3600_000, 600, PATIENTS[1]!), alarmEvents: [] });
    await runJobs('policy_refresh_continuous_aggregate');
    await expectSameAnswers();
    const [first] = await timescale.service.ctx.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals WHERE patient_id = ${patientIds.get(timescale)![1]!} AND ts >= ${new Date(OLD + 2 * 3600_000)} AND ts < ${new Date(OLD + 2 * 3600_000 + 600_000)}`;
    expect(first.n).toBe(600 * 2 + 600 / 5);
  });

  it("drops raw chunks past retention when the retention policy's job runs, and keeps the rest", async () => {
    const ancient = NOW - 120 * DAY;
    const rows: VitalRows = { ts: [], patientId: [], vital: [], value: [], deviceRef: [] };
    for (let i = 0; i < 10; i++) {
      rows.ts.push(ancient + i * 1000);
      rows.patientId.push(patientIds.get(timescale)![0]!);
      rows.vital.push(1);
      rows.value.push(70);
      rows.deviceRef.push(1);
    }
    await sql.begin((tx) => writeVitals(tx, 'timescaledb', rows));
    const count = async () => (await sql<[{ old: number; all: number }]>`SELECT count(*) FILTER (WHERE ts < ${new Date(NOW - 90 * DAY)})::int AS old, count(*)::int AS all FROM vitals`)[0];
    const before = await count();
    expect(before.old).toBe(10);
    await runJobs('policy_retention');
    const after = await count();
    expect(after).toEqual({ old: 0, all: before.all - 10 });
  });
});
