import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { AccessTokens } from '../../cloud/auth/access-tokens.js';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';
import { connect } from '../../cloud/db/sql.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { freePort } from '../helpers/gateway-process.js';

const DAY = 86_400_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

export interface SecurityBenchResult {
  readonly reads: { alone: Latency; underFlood: Latency; floodAnswers: Record<string, number>; floodClients: number };
  readonly ingest: { alone: Latency; besideHostile: Latency; hostileBatches: number; hostileRowsRefused: number; hostileAnswers: Record<string, number> };
  /** Per verification, in µs: a remembered token without and with the revocation check; a token's first use (the whole HMAC check). */
  readonly revocationCheck: { verifyMicros: number; verifyWithCheckMicros: number; firstVerifyMicros: number; revokedSessions: number };
}

const latency = (samples: number[]): Latency => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length };
};

/**
 * Availability under attack, each figure beside the same measurement without the attack, in the
 * same run: authenticated reads while 100 clients keep failing to sign in, and one station's
 * ingest while another sends hostile timestamps. The cloud runs as its own process on an
 * embedded PostgreSQL (native storage); load is loopback only. Also the per-request cost of the
 * revocation check (in-process, token verification with and without it).
 */
export async function cloudSecurityBench(opts: { reads: number; readClients: number; floodClients: number; ingestBatches: number } = { reads: 400, readClients: 4, floodClients: 100, ingestBatches: 60 }): Promise<SecurityBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'ward-security-bench-'));
  chmodSync(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'data'), port: 0 });
  const admin = connect(pg.url, { max: 1 });
  await admin.unsafe('CREATE DATABASE bench');
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = '/bench';
  // Behind a proxy (as in production): the flood comes from many addresses, as a botnet's would,
  // so the per-address lock does not cut it short and every attempt reaches password hashing.
  const cloud = await startCloudProcess({ DATABASE_URL: url.toString(), CLOUD_PORT: String(await freePort()), CLOUD_STORAGE_MODE: 'native', CLOUD_TRUST_PROXY: 'true' });
  const http = new Pool(cloud.ready.url, { connections: opts.floodClients + opts.readClients + 10, pipelining: 1 });
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, init: { token?: string; body?: unknown; raw?: Buffer; station?: string; from?: string } = {}) => {
    const started = performance.now();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.from) headers['x-forwarded-for'] = init.from;
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.station) Object.assign(headers, { authorization: `Bearer ${init.station}`, 'content-encoding': 'gzip' });
    const response = await http.request({ method, path, headers, body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)) });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms: performance.now() - started };
  };
  try {
    const adminToken = (await call('POST', '/v1/auth/login', { body: cloud.ready.admin })).body.accessToken as string;
    await call('POST', '/v1/users', { token: adminToken, body: { username: 'bench-nurse', displayName: 'Bench Nurse', role: 'nurse', password: 'bench-bench-bench' } });
    const token = (await call('POST', '/v1/auth/login', { body: { username: 'bench-nurse', password: 'bench-bench-bench' } })).body.accessToken as string;
    const honest = (await call('POST', '/v1/stations', { token: adminToken, body: { id: 'honest', name: 'Honest' } })).body.credential as string;
    const hostile = (await call('POST', '/v1/stations', { token: adminToken, body: { id: 'hostile', name: 'Hostile' } })).body.credential as string;
    const now = Date.now();
    const patient = { mrn: 'BENCH-1', name: 'Bench Patient', birthDate: null };
    await call('PUT', '/v1/stations/honest/batches/seed', { station: honest, raw: gzipSync(JSON.stringify({ observations: [{ id: 1, deviceId: 'm', bedId: 'B1', ts: now - 1000, patient, vitals: { HR: 70 } }], alarmEvents: [] })) });
    const sql = connect(url.toString(), { max: 1 });
    const [{ id: patientId }] = await sql<[{ id: number }]>`SELECT id FROM patients WHERE mrn = 'BENCH-1'`;

    // 1. Authenticated reads, alone and under a failed-login flood.
    const reads = async (): Promise<number[]> => {
      const samples: number[] = [];
      let left = opts.reads;
      await Promise.all(Array.from({ length: opts.readClients }, async () => {
        while (left-- > 0) {
          const r = await call('GET', `/v1/patients/${patientId}/vitals/latest`, { token });
          if (r.status !== 200) throw new Error(`read answered ${r.status}`);
          samples.push(r.ms);
        }
      }));
      return samples;
    };
    const alone = latency(await reads());
    let flooding = true;
    const floodAnswers: Record<string, number> = {};
    const flood = Promise.all(Array.from({ length: opts.floodClients }, async (_, c) => {
      for (let i = 0; flooding; i++) {
        const r = await call('POST', '/v1/auth/login', { body: { username: `nobody-${c}-${i}`, password: 'wrong wrong wrong' }, from: `10.${c}.${(i >> 8) & 255}.${i & 255}` });
        floodAnswers[r.status] = (floodAnswers[r.status] ?? 0) + 1;
      }
    }));
    // Let the flood fill the hashing threads and queue first.
    while ((floodAnswers[401] ?? 0) === 0) await new Promise((r) => setTimeout(r, 50));
    const underFlood = latency(await reads());
    flooding = false;
    await flood;

    // 2. One station's 1-row batches, alone and while another sends hostile timestamps.
    let nextId = 10;
    const ingest = async (): Promise<number[]> => {
      const samples: number[] = [];
      for (let i = 0; i < opts.ingestBatches; i++) {
        const id = nextId++;
        const r = await call('PUT', `/v1/stations/honest/batches/one-${id}`, { station: honest, raw: gzipSync(JSON.stringify({ observations: [{ id, deviceId: 'm', bedId: 'B1', ts: Date.now(), patient, vitals: { HR: 70 } }], alarmEvents: [] })) });
        if (r.status !== 200) throw new Error(`ingest answered ${r.status}`);
        samples.push(r.ms);
      }
      return samples;
    };
    const ingestAlone = latency(await ingest());
    let hostileOn = true;
    let hostileBatches = 0;
    let hostileRowsRefused = 0;
    const hostileAnswers: Record<string, number> = {};
    const attacker = (async () => {
      for (let b = 0; hostileOn; b++) {
        // 300 rows a week apart from 2030, and 20 rows on days 89..70 ago (partitions made on demand).
        const rows = Array.from({ length: 300 }, (_, i) => ({ id: b * 1000 + i + 1, deviceId: 'x', bedId: null, ts: Date.UTC(2030, 0, 1) + i * 7 * DAY + b * 1000, patient: null, vitals: { HR: 222 } }));
        for (let i = 0; i < 20; i++) rows.push({ id: b * 1000 + 400 + i, deviceId: 'x', bedId: null, ts: Date.now() - (89 - ((b * 20 + i) % 80)) * DAY, patient: null, vitals: { HR: 60 } });
        const r = await call('PUT', `/v1/stations/hostile/batches/h-${b}`, { station: hostile, raw: gzipSync(JSON.stringify({ observations: rows, alarmEvents: [] })) });
        hostileBatches++;
        const answer = r.status === 200 ? '200' : `${r.status} ${String(r.body.error)}: ${String(r.body.message).slice(0, 80)}`;
        hostileAnswers[answer] = (hostileAnswers[answer] ?? 0) + 1;
        hostileRowsRefused += (r.body.refused as unknown[] | undefined)?.length ?? 0;
      }
    })();
    const besideHostile = latency(await ingest());
    hostileOn = false;
    await attacker;
    await sql.end();

    // 3. The revocation check's cost per request: verifying one token, without and with it.
    const key = new Uint8Array(32);
    const revoked = new Set(Array.from({ length: 10_000 }, (_, i) => `session-${i}`));
    const plain = new AccessTokens(key, 900);
    const checked = new AccessTokens(key, 900, Date.now, { isRevoked: (sid) => revoked.has(sid) });
    const sample = await plain.issue(1, 'nurse', 'live-session');
    const perVerify = async (tokens: AccessTokens): Promise<number> => {
      for (let i = 0; i < 500; i++) await tokens.verify(sample);
      const started = performance.now();
      for (let i = 0; i < 5000; i++) await tokens.verify(sample);
      return ((performance.now() - started) / 5000) * 1000;
    };
    const verifyMicros = await perVerify(plain);
    const verifyWithCheckMicros = await perVerify(checked);
    // A token's first use: the whole HMAC verification (what every request cost before tokens were remembered).
    const fresh = new AccessTokens(key, 900, Date.now, { isRevoked: (sid) => revoked.has(sid) }, 20_000);
    const newTokens = await Promise.all(Array.from({ length: 5500 }, (_, i) => fresh.issue(i + 1, 'nurse', `live-${i}`)));
    for (const token of newTokens.slice(0, 500)) await fresh.verify(token);
    const firstStarted = performance.now();
    for (const token of newTokens.slice(500)) await fresh.verify(token);
    const firstVerifyMicros = ((performance.now() - firstStarted) / 5000) * 1000;

    return {
      reads: { alone, underFlood, floodAnswers, floodClients: opts.floodClients },
      ingest: { alone: ingestAlone, besideHostile, hostileBatches, hostileRowsRefused, hostileAnswers },
      revocationCheck: { verifyMicros, verifyWithCheckMicros, firstVerifyMicros, revokedSessions: revoked.size },
    };
  } finally {
    await http.close();
    cloud.child.kill('SIGTERM');
    await cloud.exited;
    await pg.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
