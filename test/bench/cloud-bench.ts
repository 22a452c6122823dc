import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';
import { connect } from '../../cloud/db/sql.js';
import { VITAL_DEFINITIONS } from '../../gateway/protocol/vitals.js';
import { selectRollupRows } from '../../cloud/vitals/vitals-history.js';
import { silentLogger } from '../../gateway/log.js';
import { openDatabase } from '../../gateway/storage/database.js';
import { INSERT_OBSERVATION, INSERT_OBSERVATION_VALUE } from '../../gateway/storage/observation-batch.js';
import { WardRepository } from '../../gateway/storage/ward-repository.js';
import { BatchReader } from '../../gateway/storage/batch-reader.js';
import { SyncClient } from '../../gateway/sync/sync-client.js';
import type { StorageMode } from '../../cloud/db/migration.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { startTimescaledbServer } from '../helpers/timescaledb-server.js';
import { freePort } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';

/** What a 24 h history request runs: 288 five-minute rows a vital. */
const HISTORY_24H = selectRollupRows('vitals_5m');
const VITALS = { HR: 1, PR: 2, SPO2: 3, RR: 4, TEMP: 5, ETCO2: 9 } as const;
const CODES = Object.keys(VITALS) as Array<keyof typeof VITALS>;
const valueOf = (i: number, k: number) => [72, 71, 97, 16, 36.9, 38][k]! + (i % 7) - 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The physician reads measured under load (records, search and appointments: the booking section). */
export const READS = ['health', 'latest', 'history24h', 'alarms', 'patientSearch'] as const;
export type ReadKind = (typeof READS)[number];

export interface CloudBenchResult {
  mode: StorageMode;
  /** The server the mode ran on, as it reports itself. */
  server: string;
  copyRowsPerSecond: number;
  ingestRowsPerSecond: number;
  ingestStations: number;
  ingestRows: number;
  catchUp: { hours: number; beds: number; rows: number; seconds: number; rowsPerSecond: number; projected24hSeconds: number };
  /** 100 clients each sending a request every `clients / rate` seconds on average (open loop). */
  latency: Record<ReadKind, { p50: number; p95: number; p99: number; requests: number; offeredPerSecond: number }>;
  /** One client, one request at a time: the unloaded floor. */
  sequential: Record<ReadKind, { p50: number; p95: number }>;
  /** The same clients in a closed loop (each waits for its answer, then asks again): saturation throughput. */
  saturation: Record<ReadKind, { requestsPerSecond: number; p50: number; p95: number }>;
  /** The same 24 h history statement straight on PostgreSQL (one connection, no HTTP). */
  history24hSql: { p50: number; p95: number };
  /** TimescaleDB: the same before the aggregates' refresh jobs ran over the fresh backlog. */
  history24hSqlUnrefreshed: { p50: number; p95: number } | null;
  /** TimescaleDB: how long the four refresh policies' jobs took over the backlog. */
  refreshSeconds: number | null;
  clients: number;
  /** Raw vitals on disk per value: compressed chunks (timescaledb) or partitions with their index (native). */
  storage: { rows: number; bytesPerValue: number; uncompressedBytesPerValue: number | null };
}

/** A station batch of `count` observations from `beds` beds at 1 Hz starting at `t0`. */
function makeBatch(firstId: number, count: number, beds: number, t0: number, mrnPrefix: string) {
  return {
    observations: Array.from({ length: count }, (_, n) => {
      const i = firstId + n;
      const bed = i % beds;
      return {
        id: i,
        deviceId: `mon-${bed}`,
        bedId: `B${bed}`,
        ts: t0 + Math.floor(i / beds) * 1000,
        patient: { mrn: `${mrnPrefix}-${bed}`, name: `Patient ${bed}`, birthDate: null },
        vitals: Object.fromEntries(CODES.map((c, k) => [c, valueOf(i, k)])),
      };
    }),
    alarmEvents: [],
  };
}

/**
 * The cloud, measured against PostgreSQL's own COPY in the same run: sustained ingest from
 * concurrent stations, a ward's backlog caught up by the real station sync client, and read
 * latency under 100 concurrent clients. The cloud runs as its own process on an embedded
 * PostgreSQL; load is loopback only.
 */
export async function cloudBench(mode: StorageMode, opts: { stations: number; batchesPerStation: number; batchObservations: number; backlogHours: number; beds: number; clients: number; requestsPerKind: number; openLoopRate: number; catchUpBatch: number }): Promise<CloudBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'ward-cloud-bench-'));
  chmodSync(root, 0o755);
  // Native: the embedded PostgreSQL 17. TimescaleDB: PostgreSQL 15 with TimescaleDB, durable like
  // the embedded one; its policy jobs run where this bench says (the scheduler is off, so none
  // lands in the middle of a measurement).
  const pg = mode === 'native' ? await startEmbeddedPostgres({ dataDir: join(root, 'data'), port: 0 }) : await startTimescaledbServer({ durable: true });
  const admin = connect(pg.url, { max: 1 });
  await admin.unsafe('CREATE DATABASE bench');
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = '/bench';
  const databaseUrl = url.toString();
  const cloud = await startCloudProcess({ DATABASE_URL: databaseUrl, CLOUD_PORT: String(await freePort()), CLOUD_DB_POOL: '20', CLOUD_STORAGE_MODE: mode });
  const http = new Pool(cloud.ready.url, { connections: opts.clients + 10, pipelining: 1 });
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, token?: string, body?: unknown) => {
    const response = await http.request({ method, path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const sql = connect(databaseUrl, { max: 4 });
  try {
    const [{ server }] = await sql<[{ server: string }]>`SELECT split_part(version(), ' on ', 1) || coalesce(', TimescaleDB ' || (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), '') AS server`;
    const adminToken = (await call('POST', '/v1/auth/login', undefined, cloud.ready.admin)).accessToken as string;
    const stations: string[] = [];
    for (let s = 0; s <= opts.stations; s++) {
      const created = await call('POST', '/v1/stations', adminToken, { id: `bench-${s}`, name: `Bench ${s}` });
      stations.push(created.credential as string);
    }
    await call('POST', '/v1/users', adminToken, { username: 'bench-dr', displayName: 'Dr Bench', role: 'physician', password: 'bench-bench-bench' });
    const signIn = async () => (await call('POST', '/v1/auth/login', undefined, { username: 'bench-dr', password: 'bench-bench-bench' })).accessToken as string;
    let token = await signIn();

    // Ceiling: COPY of the same number of rows straight into the vitals table.
    const rowsPerBatch = opts.batchObservations * CODES.length;
    const ingestRows = opts.stations * opts.batchesPerStation * rowsPerBatch;
    const t0 = Date.now() - 3600_000;
    const copyStarted = performance.now();
    const writable = await sql`COPY vitals (ts, patient_id, vital, value, device_ref) FROM STDIN`.writable();
    const lines: string[] = [];
    for (let i = 0; i < ingestRows / CODES.length; i++) {
      const ts = new Date(t0 + Math.floor(i / 32) * 1000).toISOString();
      for (let k = 0; k < CODES.length; k++) lines.push(`${ts}\t${1_000_000 + (i % 32)}\t${VITALS[CODES[k]!]}\t${valueOf(i, k)}\t1\n`);
      if (lines.length >= 60_000) {
        if (!writable.write(lines.join(''))) await new Promise((resolve) => writable.once('drain', resolve));
        lines.length = 0;
      }
    }
    await new Promise<void>((resolve, reject) => writable.end(lines.join(''), () => resolve()).once('error', reject));
    const copyRowsPerSecond = ingestRows / ((performance.now() - copyStarted) / 1000);

    // Sustained ingest: every station sends its batches back to back, all stations at once.
    const bodies = stations.slice(0, opts.stations).map((_credential, s) =>
      Array.from({ length: opts.batchesPerStation }, (_, b) => gzipSync(JSON.stringify(makeBatch(b * opts.batchObservations + 1, opts.batchObservations, 32, t0, `S${s}`)))),
    );
    const ingestStarted = performance.now();
    await Promise.all(
      stations.slice(0, opts.stations).map(async (credential, s) => {
        const stationId = credential.slice(0, credential.indexOf('.'));
        for (let b = 0; b < opts.batchesPerStation; b++) {
          const response = await http.request({ method: 'PUT', path: `/v1/stations/${stationId}/batches/b-${b}`, headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bodies[s]![b] });
          const text = await response.body.text();
          if (response.statusCode !== 200) throw new Error(`batch ${b}: ${response.statusCode} ${text}`);
        }
      }),
    );
    const ingestRowsPerSecond = ingestRows / ((performance.now() - ingestStarted) / 1000);

    // Catch-up: a 32-bed ward's backlog in a real station database, sent by the real sync client.
    const dir = tempDir('ward-bench-backlog-');
    const station = openDatabase(join(dir.path, 'station.db'), { synchronous: 'NORMAL' });
    const ward = new WardRepository(station);
    const patientIds: number[] = [];
    for (let bed = 0; bed < opts.beds; bed++) {
      ward.addBed(`B${bed}`, `Bed ${bed}`, 'bench');
      patientIds.push(ward.admit({ bedId: `B${bed}`, mrn: `W-${bed}`, name: `Ward patient ${bed}` }, 'bench'));
    }
    const insertObs = station.prepare(INSERT_OBSERVATION);
    const insertValue = station.prepare(INSERT_OBSERVATION_VALUE);
    const seconds = Math.round(opts.backlogHours * 3600);
    const backlogStart = Date.now() - seconds * 1000;
    const fill = station.transaction((from: number, to: number) => {
      for (let s = from; s < to; s++) {
        for (let bed = 0; bed < opts.beds; bed++) {
          const id = Number(insertObs.run(`mon-${bed}`, s, null, backlogStart + s * 1000, backlogStart + s * 1000, `B${bed}`, patientIds[bed]).lastInsertRowid);
          for (let k = 0; k < CODES.length; k++) insertValue.run(id, VITALS[CODES[k]!], valueOf(s, k));
        }
      }
    });
    for (let s = 0; s < seconds; s += 600) fill(s, Math.min(seconds, s + 600));
    const reader = new BatchReader(station);
    const catchUpRows = seconds * opts.beds * CODES.length;
    const credential = stations[opts.stations]!;
    const client = new SyncClient(reader, { url: cloud.ready.url, stationId: credential.slice(0, credential.indexOf('.')), secret: credential.slice(credential.indexOf('.') + 1), batchSize: opts.catchUpBatch, idleMs: 60_000 }, silentLogger());
    const catchUpStarted = performance.now();
    client.start();
    while (reader.queued() > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (client.status().consecutiveFailures > 3) throw new Error(`catch-up failing: ${client.status().lastError}`);
    }
    const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
    await client.stop();
    station.close();
    dir.remove();

    // Reads under concurrency: the ward's patients, latest values and 24 h history (a fresh
    // access token: the steps above can outlast its 15 minutes on a loaded machine).
    token = await signIn();
    const patients = (await call('GET', '/v1/patients?q=Ward%20patient&limit=100', token)).items as Array<{ id: number }>;
    // Alarm history to page through: 500 events per ward patient over the backlog's day.
    await sql`
      INSERT INTO alarm_events (station_id, event_id, patient_id, at, alarm_id, phase, condition, type, priority, state, inactivation, bed_id, value, limit_value)
      SELECT 'bench-0', p.n * 1000 + i, p.id, now() - i * interval '170 seconds', 'a' || i, CASE WHEN i % 2 = 0 THEN 'start' ELSE 'end' END,
             'SPO2_LOW', 'physiological', 'PM', 'active', 'none', 'B' || p.n, 88, 90
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM patients WHERE id = ANY(${patients.map((p) => p.id)})) p, generate_series(1, 500) AS i`;
    const now = Date.now();
    const timed = async (path: string, latencies: number[]) => {
      const started = performance.now();
      await call('GET', path, token);
      latencies.push(performance.now() - started);
    };
    const summary = (latencies: number[]) => {
      latencies.sort((a, b) => a - b);
      return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), requests: latencies.length };
    };
    /** Open loop: each client asks at random intervals averaging clients/rate seconds, whatever the answers take. */
    const openLoop = async (path: (i: number) => string, ratePerSecond: number) => {
      const latencies: number[] = [];
      const perClient = Math.ceil(opts.requestsPerKind / opts.clients);
      const meanGapMs = (opts.clients / ratePerSecond) * 1000;
      let n = 0;
      await Promise.all(
        Array.from({ length: opts.clients }, async () => {
          const pending: Array<Promise<void>> = [];
          for (let k = 0; k < perClient; k++) {
            await new Promise((resolve) => setTimeout(resolve, -Math.log(1 - Math.random()) * meanGapMs));
            pending.push(timed(path(n++), latencies));
          }
          await Promise.all(pending);
        }),
      );
      return { ...summary(latencies), offeredPerSecond: ratePerSecond };
    };
    const closedLoop = async (path: (i: number) => string) => {
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: opts.clients }, async () => {
          while (next < opts.requestsPerKind) await timed(path(next++), latencies);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const s = summary(latencies);
      return { requestsPerSecond: latencies.length / seconds, p50: s.p50, p95: s.p95 };
    };
    const pick = (i: number) => patients[i % patients.length]!.id;
    const paths: Record<ReadKind, (i: number) => string> = {
      health: () => '/v1/health',
      latest: (i: number) => `/v1/patients/${pick(i)}/vitals/latest`,
      history24h: (i: number) => `/v1/patients/${pick(i)}/vitals?from=${now - 86_400_000}&to=${now}`,
      alarms: (i: number) => `/v1/patients/${pick(i)}/alarms?limit=20`,
      patientSearch: (i: number) => `/v1/patients?q=Ward%20patient%20${i % 10}&limit=20`,
    };
    const sequentialRun = async (path: (i: number) => string) => {
      const latencies: number[] = [];
      for (let i = 0; i < 300; i++) await timed(path(i), latencies);
      const s = summary(latencies);
      return { p50: s.p50, p95: s.p95 };
    };
    // The floor under HTTP: the 24 h history statement itself on one connection. In TimescaleDB
    // mode first as the backlog left it (the aggregates not yet refreshed: every bucket computed
    // from raw rows), then after the refresh policies' own jobs ran, as their schedule does within
    // minutes; the reads below see the refreshed state.
    const historySql = async () => {
      const latencies: number[] = [];
      for (let i = 0; i < 300; i++) {
        const started = performance.now();
        await sql.unsafe(HISTORY_24H, [pick(i), now - 86_400_000, now, VITAL_DEFINITIONS.map((v) => v.id)], { prepare: true });
        latencies.push(performance.now() - started);
      }
      const s = summary(latencies);
      return { p50: s.p50, p95: s.p95 };
    };
    const history24hSqlUnrefreshed = mode === 'timescaledb' ? await historySql() : null;
    let refreshSeconds: number | null = null;
    if (mode === 'timescaledb') {
      const started = performance.now();
      const jobs = await sql<Array<{ id: number }>>`SELECT job_id AS id FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY job_id`;
      for (const { id } of jobs) await sql.unsafe(`CALL run_job(${id})`);
      refreshSeconds = (performance.now() - started) / 1000;
    }
    const history24hSql = await historySql();

    const sequential = {} as CloudBenchResult['sequential'];
    const saturation = {} as CloudBenchResult['saturation'];
    const latency = {} as CloudBenchResult['latency'];
    for (const kind of READS) sequential[kind] = await sequentialRun(paths[kind]);
    for (const kind of READS) saturation[kind] = await closedLoop(paths[kind]);
    for (const kind of READS) latency[kind] = await openLoop(paths[kind], opts.openLoopRate);

    const storage = await measureStorage(sql, mode);
    const rowsPerSecond = catchUpRows / catchUpSeconds;
    return {
      copyRowsPerSecond,
      ingestRowsPerSecond,
      ingestStations: opts.stations,
      ingestRows,
      catchUp: { hours: opts.backlogHours, beds: opts.beds, rows: catchUpRows, seconds: catchUpSeconds, rowsPerSecond, projected24hSeconds: (32 * 86400 * CODES.length) / rowsPerSecond },
      latency,
      sequential,
      saturation,
      history24hSql,
      history24hSqlUnrefreshed,
      refreshSeconds,
      clients: opts.clients,
      storage,
      mode,
      server,
    };
  } finally {
    await http.close();
    await sql.end();
    cloud.child.kill('SIGTERM');
    await cloud.exited;
    await pg.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Bytes on disk per raw value. TimescaleDB: every chunk compressed (as its policy does after two
 * days), then the compressed size. Native: the partitions with their index.
 */
async function measureStorage(sql: ReturnType<typeof connect>, mode: StorageMode): Promise<CloudBenchResult['storage']> {
  const [{ rows }] = await sql<[{ rows: number }]>`SELECT count(*)::float8 AS rows FROM vitals`;
  if (mode === 'timescaledb') {
    await sql`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('vitals') c`;
    const [stats] = await sql<[{ before: number; after: number }]>`
      SELECT sum(before_compression_total_bytes)::float8 AS before, sum(after_compression_total_bytes)::float8 AS after FROM hypertable_compression_stats('vitals')`;
    return { rows, bytesPerValue: stats.after / rows, uncompressedBytesPerValue: stats.before / rows };
  }
  const [{ bytes }] = await sql<[{ bytes: number }]>`
    SELECT sum(pg_total_relation_size(inhrelid))::float8 AS bytes FROM pg_inherits WHERE inhparent = 'vitals'::regclass`;
  return { rows, bytesPerValue: bytes / rows, uncompressedBytesPerValue: null };
}
