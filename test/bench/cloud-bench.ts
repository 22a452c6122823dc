import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';
import { connect } from '../../cloud/db/sql.js';
import { silentLogger } from '../../gateway/log.js';
import { openDatabase } from '../../gateway/storage/database.js';
import { INSERT_OBSERVATION, INSERT_OBSERVATION_VALUE } from '../../gateway/storage/observation-batch.js';
import { WardRepository } from '../../gateway/storage/ward-repository.js';
import { BatchReader } from '../../gateway/sync/batch-reader.js';
import { SyncClient } from '../../gateway/sync/sync-client.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { freePort } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';

const VITALS = { HR: 1, PR: 2, SPO2: 3, RR: 4, TEMP: 5, ETCO2: 9 } as const;
const CODES = Object.keys(VITALS) as Array<keyof typeof VITALS>;
const valueOf = (i: number, k: number) => [72, 71, 97, 16, 36.9, 38][k]! + (i % 7) - 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface CloudBenchResult {
  copyRowsPerSecond: number;
  ingestRowsPerSecond: number;
  ingestStations: number;
  ingestRows: number;
  catchUp: { hours: number; beds: number; rows: number; seconds: number; rowsPerSecond: number; projected24hSeconds: number };
  /** 100 clients each sending a request every `clients / rate` seconds on average (open loop). */
  latency: Record<'health' | 'latest' | 'history24h', { p50: number; p95: number; p99: number; requests: number; offeredPerSecond: number }>;
  /** One client, one request at a time: the unloaded floor. */
  sequential: Record<'health' | 'latest' | 'history24h', { p50: number; p95: number }>;
  /** The same clients in a closed loop (each waits for its answer, then asks again): saturation throughput. */
  saturation: Record<'health' | 'latest' | 'history24h', { requestsPerSecond: number; p50: number; p95: number }>;
  clients: number;
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
export async function cloudBench(opts: { stations: number; batchesPerStation: number; batchObservations: number; backlogHours: number; beds: number; clients: number; requestsPerKind: number; openLoopRate: number }): Promise<CloudBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'ward-cloud-bench-'));
  chmodSync(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'data'), port: 0 });
  const admin = connect(pg.url, { max: 1 });
  await admin.unsafe('CREATE DATABASE bench');
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = '/bench';
  const databaseUrl = url.toString();
  const cloud = await startCloudProcess({ DATABASE_URL: databaseUrl, CLOUD_PORT: String(await freePort()), CLOUD_DB_POOL: '20' });
  const http = new Pool(cloud.ready.url, { connections: opts.clients + 10, pipelining: 1 });
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, token?: string, body?: unknown) => {
    const response = await http.request({ method, path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const sql = connect(databaseUrl, { max: 4 });
  try {
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
    const client = new SyncClient(reader, { url: cloud.ready.url, stationId: credential.slice(0, credential.indexOf('.')), secret: credential.slice(credential.indexOf('.') + 1), batchSize: 5000, idleMs: 60_000 }, silentLogger());
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
    const paths = {
      health: () => '/v1/health',
      latest: (i: number) => `/v1/patients/${pick(i)}/vitals/latest`,
      history24h: (i: number) => `/v1/patients/${pick(i)}/vitals?from=${now - 86_400_000}&to=${now}`,
    };
    const sequentialRun = async (path: (i: number) => string) => {
      const latencies: number[] = [];
      for (let i = 0; i < 300; i++) await timed(path(i), latencies);
      const s = summary(latencies);
      return { p50: s.p50, p95: s.p95 };
    };
    const sequential = { health: await sequentialRun(paths.health), latest: await sequentialRun(paths.latest), history24h: await sequentialRun(paths.history24h) };
    const saturation = { health: await closedLoop(paths.health), latest: await closedLoop(paths.latest), history24h: await closedLoop(paths.history24h) };
    const latency = {
      health: await openLoop(paths.health, opts.openLoopRate),
      latest: await openLoop(paths.latest, opts.openLoopRate),
      history24h: await openLoop(paths.history24h, Math.min(opts.openLoopRate, saturation.history24h.requestsPerSecond / 2)),
    };
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
      clients: opts.clients,
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
