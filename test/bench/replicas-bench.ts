import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { freePort } from '../helpers/gateway-process.js';
import { runRegionFailover, type FailoverOutcome } from '../helpers/region-failover.js';
import { startReplicatedPostgres } from '../helpers/replicated-postgres.js';

const CODES = ['HR', 'PR', 'SPO2', 'RR', 'TEMP', 'ETCO2'] as const;

/** A station batch of `count` observations from 32 beds at 1 Hz. */
function batch(firstId: number, count: number, t0: number, prefix: string) {
  return {
    observations: Array.from({ length: count }, (_, n) => {
      const i = firstId + n;
      const bed = i % 32;
      return {
        id: i,
        deviceId: `mon-${bed}`,
        bedId: `B${bed}`,
        ts: t0 + Math.floor(i / 32) * 1000,
        patient: { mrn: `${prefix}-${bed}`, name: `Patient ${bed}`, birthDate: null },
        vitals: Object.fromEntries(CODES.map((c, k) => [c, [72, 71, 97, 16, 36.9, 38][k]! + (i % 7) - 3])),
      };
    }),
    alarmEvents: [],
  };
}

export interface LagFigures {
  /** Samples taken (every 100 ms). */
  samples: number;
  /** pg_stat_replication.replay_lag in ms: p50, p95, max. */
  replayLagMs: { p50: number; p95: number; max: number };
  /** Bytes of the primary's log not yet replayed: p50, p95, max. */
  bytesBehind: { p50: number; p95: number; max: number };
}

export interface ReplicasBenchResult {
  server: string;
  ingestRows: number;
  ingestRowsPerSecond: number;
  /** Lag of an idle pair over a few seconds: the baseline. */
  idle: LagFigures;
  /** Lag while the stations send their batches. */
  underIngest: LagFigures;
  /** After the last batch was accepted, until the standby had replayed it. */
  catchUpMs: number;
  failover: FailoverOutcome[];
}

const pick = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const figures = (lag: number[], bytes: number[]): LagFigures => {
  const l = [...lag].sort((a, b) => a - b);
  const b = [...bytes].sort((x, y) => x - y);
  return { samples: l.length, replayLagMs: { p50: pick(l, 0.5), p95: pick(l, 0.95), max: l[l.length - 1] ?? 0 }, bytesBehind: { p50: pick(b, 0.5), p95: pick(b, 0.95), max: b[b.length - 1] ?? 0 } };
};

/** Samples the primary's view of its standby every 100 ms until `stop()`. */
function sampleLag(primary: Sql): { stop(): Promise<LagFigures> } {
  const lag: number[] = [];
  const bytes: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const [row] = await primary<Array<{ lagMs: number | null; bytes: number | null }>>`
        SELECT (extract(epoch FROM replay_lag) * 1000)::float8 AS "lagMs", pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS bytes FROM pg_stat_replication`;
      lag.push(row?.lagMs ?? 0);
      bytes.push(row?.bytes ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return figures(lag, bytes);
    },
  };
}

/**
 * Streaming replication under the cloud's ingest: a primary and a hot standby (PostgreSQL 15,
 * pg_basebackup), the cloud on the primary with the standby as its read replica, stations
 * sending batches back to back; the standby's lag sampled throughout, beside the lag of the idle
 * pair. Then the region failover (test/helpers/region-failover.ts) with asynchronous and with
 * synchronous replication, for its RPO and RTO.
 */
export async function replicasBench(opts: { stations: number; batchesPerStation: number; batchObservations: number; log?: (line: string) => void }): Promise<ReplicasBenchResult> {
  const pg = await startReplicatedPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'ward-replicas-bench-'));
  const admin = connect(pg.primary.url(), { max: 1 });
  await admin`CREATE DATABASE bench`;
  await admin.end();
  const cloud = await startCloudProcess({
    DATABASE_URL: pg.primary.url('bench'),
    CLOUD_READ_DATABASE_URL: pg.standby.url('bench'),
    CLOUD_STORAGE_MODE: 'native',
    CLOUD_WORKERS: 'false',
    CLOUD_PORT: String(await freePort()),
    CLOUD_DATA_DIR: dataDir,
  });
  const http = new Pool(cloud.ready.url, { connections: opts.stations + 4 });
  const primary = connect(pg.primary.url('bench'), { max: 2 });
  try {
    const call = async (method: 'POST', path: string, token: string | undefined, body: unknown) => {
      const response = await http.request({ method, path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const [{ server }] = await primary<[{ server: string }]>`SELECT split_part(version(), ' on ', 1) AS server`;
    const adminToken = (await call('POST', '/v1/auth/login', undefined, { username: cloud.ready.admin!.username, password: cloud.ready.admin!.password })).accessToken as string;
    const credentials: string[] = [];
    for (let s = 0; s < opts.stations; s++) credentials.push((await call('POST', '/v1/stations', adminToken, { id: `replica-bench-${s}`, name: `Bench ${s}` })).credential as string);

    const idleSampler = sampleLag(primary);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = await idleSampler.stop();

    const t0 = Date.now() - 3600_000;
    const bodies = credentials.map((_c, s) => Array.from({ length: opts.batchesPerStation }, (_, b) => gzipSync(JSON.stringify(batch(b * opts.batchObservations + 1, opts.batchObservations, t0, `R${s}`)))));
    const sampler = sampleLag(primary);
    const started = performance.now();
    await Promise.all(
      credentials.map(async (credential, s) => {
        const stationId = credential.slice(0, credential.indexOf('.'));
        for (let b = 0; b < opts.batchesPerStation; b++) {
          const response = await http.request({ method: 'PUT', path: `/v1/stations/${stationId}/batches/b-${b}`, headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bodies[s]![b] });
          const text = await response.body.text();
          if (response.statusCode !== 200) throw new Error(`batch ${b}: ${response.statusCode} ${text}`);
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    const ingestRows = opts.stations * opts.batchesPerStation * opts.batchObservations * CODES.length;
    const [{ lsn }] = await primary<[{ lsn: string }]>`SELECT pg_current_wal_insert_lsn()::text AS lsn`;
    const acceptedAt = performance.now();
    const standby = connect(pg.standby.url('bench'), { max: 1 });
    while (!(await standby<[{ done: boolean }]>`SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS done`)[0].done) await new Promise((resolve) => setTimeout(resolve, 10));
    const catchUpMs = performance.now() - acceptedAt;
    await standby.end();
    const underIngest = await sampler.stop();
    opts.log?.(`ingest done: ${ingestRows} values in ${ingestSeconds.toFixed(1)} s`);
    await http.close();
    await primary.end();
    cloud.child.kill('SIGTERM');
    await cloud.exited;
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });

    const failover: FailoverOutcome[] = [];
    for (const synchronous of [false, true]) failover.push(await runRegionFailover({ synchronous, log: opts.log }));
    return { server, ingestRows, ingestRowsPerSecond: ingestRows / ingestSeconds, idle, underIngest, catchUpMs, failover };
  } catch (error) {
    await http.close().catch(() => {});
    await primary.end({ timeout: 1 }).catch(() => {});
    cloud.child.kill('SIGKILL');
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
