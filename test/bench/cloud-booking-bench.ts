import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { Users } from '../../cloud/auth/users.js';
import { SEARCH_AVAILABILITY, SEARCH_OPEN_SLOTS } from '../../cloud/booking/availability-search.js';
import { OpenSlots } from '../../cloud/booking/open-slots.js';
import { DEFAULT_AVAILABILITY_DAYS } from '../../cloud/config.js';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';
import { migrate } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, run, type Sql } from '../../cloud/db/sql.js';
import { CITIES, SPECIALIZATIONS } from '../../cloud/seed/seed-data.js';
import { defaultSizes, seedCloud, type SeedResult, type SeedSizes } from '../../cloud/seed/seed-load.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { freePort } from '../helpers/gateway-process.js';
import { startStatementCounter } from '../helpers/pg-statement-counter.js';
import { diskFlushLatency, type DiskFlushLatency } from './disk-flush-probe.js';

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  offeredPerSecond: number;
}

export type BookingKind = 'health' | 'searchPopular' | 'searchUncached' | 'searchComputed' | 'booking' | 'history' | 'records';

export interface Saturation {
  requestsPerSecond: number;
  p50: number;
  p95: number;
}

/** What was measured: printed beside the figures. */
export interface BookingBenchConfig {
  /** BENCH_BOOKING_SCALE when the bench seeded; null on an existing database. */
  scale: number | null;
  rows: { patients: number; doctors: number; appointments: number; records: number; openSlots: number };
  /** Doctors per specialization and city: how many share one search's slots (and its bookings). */
  doctorsPerSearch: number;
  postgres: { version: string; sharedBuffers: string; effectiveCacheSize: string; workMem: string; maxConnections: string };
  /** Connections of the measured replica's pool (CLOUD_DB_POOL). */
  pool: number;
  /** 'fresh': seeded by this run (then VACUUM ANALYZE); 'existing': BENCH_BOOKING_DATABASE_URL as found. */
  database: 'fresh' | 'existing';
  /** Share of the block reads of the measured rounds served from shared_buffers (1: all warm). */
  bufferHitRatio: number;
  /** The disk's flush latency, probed just before and just after the measured rounds. */
  diskFlush: { before: DiskFlushLatency; after: DiskFlushLatency };
  loadAverageAtStart: number;
  cores: number;
  rounds: number;
}

export interface CloudBookingBenchResult {
  config: BookingBenchConfig;
  /** null when measuring an existing database (BENCH_BOOKING_DATABASE_URL). */
  seed: SeedResult | null;
  clients: number;
  /** 100 clients, open loop (each asks at random intervals, whatever the answers take); one entry per round. */
  latency: Partial<Record<BookingKind, Latency[]>>;
  /** The same clients in a closed loop (ask, wait, ask again): throughput at saturation; one entry per round. */
  saturation: Partial<Record<BookingKind, Saturation[]>>;
  bookings: { created: number; conflicts: number };
  /** Statements the service sent to PostgreSQL per search, counted at the wire (misses and hits). */
  statementsPerSearch: { uncached: number; cached: number };
  /**
   * The search statements run directly on PostgreSQL (no HTTP, one connection), in ms: from the
   * table of open slots (what the service runs within its weeks) and computed (beyond them, and
   * the only way before the table), for a specialization in a city and for a specialization alone.
   */
  rawSearchSql: Record<'openSlotsCity' | 'computedCity' | 'openSlotsSpecialization' | 'computedSpecialization', { p50: number; p95: number }>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const summary = (latencies: number[]) => {
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), requests: latencies.length };
};

/** Sizes from the environment: BENCH_BOOKING_SCALE (default 0.1 of the seeds' scale) or each count. */
export function benchSizes(env: NodeJS.ProcessEnv = process.env): SeedSizes {
  const base = defaultSizes(Number(env.BENCH_BOOKING_SCALE ?? 0.1));
  const patients = Number(env.BENCH_BOOKING_PATIENTS ?? base.patients);
  const doctors = Number(env.BENCH_BOOKING_DOCTORS ?? base.doctors);
  return {
    patients,
    doctors,
    appointments: Number(env.BENCH_BOOKING_APPOINTMENTS ?? base.appointments),
    records: Number(env.BENCH_BOOKING_RECORDS ?? patients * 4),
    clinics: Math.max(1, Math.round(doctors / 20)),
  };
}

/** The configuration of the run, read from the database itself. */
async function describe(sql: Sql, known: Pick<BookingBenchConfig, 'scale' | 'pool' | 'database' | 'loadAverageAtStart' | 'rounds'>): Promise<Omit<BookingBenchConfig, 'bufferHitRatio' | 'diskFlush'>> {
  const [row] = await sql<[{ patients: number; doctors: number; appointments: number; records: number; openSlots: number; doctorsPerSearch: number; version: string }]>`
    SELECT (SELECT count(*)::int FROM patients) AS patients, (SELECT count(*)::int FROM doctors) AS doctors,
           (SELECT count(*)::int FROM appointments) AS appointments, (SELECT count(*)::int FROM medical_records) AS records,
           (SELECT count(*)::int FROM open_slots) AS "openSlots",
           (SELECT coalesce(avg(n), 0)::float8 FROM (SELECT count(*) AS n FROM doctors d JOIN clinics c ON c.id = d.clinic_id GROUP BY d.specialization, c.city) g) AS "doctorsPerSearch",
           current_setting('server_version') AS version`;
  const setting = async (name: string) => (await sql<[{ value: string }]>`SELECT current_setting(${name}) AS value`)[0].value;
  return {
    ...known,
    rows: { patients: row.patients, doctors: row.doctors, appointments: row.appointments, records: row.records, openSlots: row.openSlots },
    doctorsPerSearch: row.doctorsPerSearch,
    postgres: {
      version: row.version,
      sharedBuffers: await setting('shared_buffers'),
      effectiveCacheSize: await setting('effective_cache_size'),
      workMem: await setting('work_mem'),
      maxConnections: await setting('max_connections'),
    },
    cores: availableParallelism(),
  };
}

/** Block reads of the database so far: from shared_buffers (hit) and from the OS (read). */
async function blockReads(sql: Sql): Promise<{ hit: number; read: number }> {
  const [row] = await sql<[{ hit: number; read: number }]>`SELECT blks_hit::float8 AS hit, blks_read::float8 AS read FROM pg_stat_database WHERE datname = current_database()`;
  return row;
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Booking and records at seed scale: its own embedded PostgreSQL, seeded with COPY, the cloud
 * as its own process behind a statement-counting proxy, 100 concurrent loopback clients.
 * Baselines from the same run: /v1/health (the same HTTP stack, auth aside, plus SELECT 1) under
 * the same load, and the search statement run directly on PostgreSQL.
 */
export async function cloudBookingBench(opts: { sizes?: SeedSizes; clients?: number; requestsPerKind?: number; rate?: number; bookingRate?: number; rounds?: number; log?: (line: string) => void } = {}): Promise<CloudBookingBenchResult> {
  const loadAverageAtStart = loadavg()[0]!;
  const sizes = opts.sizes ?? benchSizes();
  const clients = opts.clients ?? 100;
  const rounds = opts.rounds ?? Number(process.env.BENCH_BOOKING_ROUNDS ?? 3);
  const pool = 20;
  const requestsPerKind = opts.requestsPerKind ?? Number(process.env.BENCH_BOOKING_REQUESTS ?? 4000);
  const rate = opts.rate ?? Number(process.env.BENCH_BOOKING_RATE ?? 300);
  const bookingRate = opts.bookingRate ?? Number(process.env.BENCH_BOOKING_BOOK_RATE ?? 100);
  const log = opts.log ?? (() => {});
  // BENCH_BOOKING_DATABASE_URL: measure an already seeded database (e.g. the full scale) instead.
  const existing = process.env.BENCH_BOOKING_DATABASE_URL;
  const root = existing ? null : mkdtempSync(join(tmpdir(), 'ward-booking-bench-'));
  // As root, PostgreSQL runs as the 'postgres' user, who must reach its data folder.
  if (root) chmodSync(root, 0o755);
  const pg = root ? await startEmbeddedPostgres({ dataDir: join(root, 'data'), port: 0 }) : null;
  const url = new URL(existing ?? pg!.url);
  if (pg) {
    const admin = connect(pg.url, { max: 1 });
    await admin.unsafe('CREATE DATABASE booking');
    await admin.end();
    url.pathname = '/booking';
  }
  const sql = connect(url.toString(), { max: 4 });
  const counter = await startStatementCounter(url.toString());
  let cloud: Awaited<ReturnType<typeof startCloudProcess>> | null = null;
  let http: Pool | null = null;
  try {
    await migrate(sql, MIGRATIONS);
    const seed = pg ? await seedCloud(sql, sizes, log) : null;
    // The table of open slots complete before the service starts (a no-op after the seed; on a
    // database seeded before migration 5, the fill the service would otherwise do in the background).
    const fill = await new OpenSlots(sql, DEFAULT_AVAILABILITY_DAYS).maintain();
    if (fill.doctors > 0) log(`  open slots filled: ${fill.slotsAdded} slots of ${fill.doctors} doctors in ${fill.seconds.toFixed(1)} s`);
    const [data] = await sql<[{ firstPatientId: number; patients: number; clinics: number }]>`
      SELECT min(id) AS "firstPatientId", count(*)::int AS patients, (SELECT count(*)::int FROM clinics) AS clinics FROM patients WHERE mrn LIKE 'SEED-%'`;
    // The measured replica talks to PostgreSQL directly: the counting proxy runs in this process,
    // beside the load generator, and would add its hop and its event-loop turns to every answer.
    // A second replica behind the proxy counts the statements per search.
    cloud = await startCloudProcess({ DATABASE_URL: url.toString(), CLOUD_PORT: String(await freePort()), CLOUD_DB_POOL: String(pool) });
    const httpPool = (http = new Pool(cloud.ready.url, { connections: clients + 10, pipelining: 1 }));
    const caller = (target: Pool) => async (method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; source: unknown }> => {
      const response = await target.request({ method, path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.body.text();
      return { status: response.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, source: response.headers['x-availability-source'] };
    };
    const call = caller(httpPool);
    const username = `bench-nurse-${Date.now().toString(36)}`;
    await new Users(sql).create({ username, displayName: 'Nurse Bench', role: 'nurse', password: 'bench-bench-bench' });
    // Access tokens are short-lived and three rounds outlast one: signed in again before each step.
    const signIn = async () => {
      const login = await call('POST', '/v1/auth/login', undefined, { username, password: 'bench-bench-bench' });
      if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
      return login.body.accessToken as string;
    };
    let token = await signIn();

    // Searches: a spec in a city over 7 days starting within the next 4 weeks.
    const today = new Date().toISOString().slice(0, 10);
    const cities = CITIES.slice(0, Math.min(CITIES.length, data.clinics));
    const searchOf = (i: number, r: number) => {
      const spec = SPECIALIZATIONS[i % SPECIALIZATIONS.length]!;
      const city = cities[Math.floor(i / SPECIALIZATIONS.length) % cities.length]!.name;
      const from = addDays(today, 1 + (Math.floor(r * 1000) % 28));
      return { spec, city, from, to: addDays(from, 6) };
    };
    const searchPath = (s: ReturnType<typeof searchOf>, limit = 20) => `/v1/availability?specialization=${s.spec}&city=${encodeURIComponent(s.city)}&from=${s.from}&to=${s.to}&limit=${limit}`;
    const popular = Array.from({ length: 20 }, (_, i) => searchPath(searchOf(i * 7, i / 20)));
    let unique = 0;
    // Uncached: every request differs (the limit too), so the cache can only miss.
    const uncached = () => {
      const n = unique++;
      return searchPath(searchOf(n * 13 + 5, Math.random()), 10 + (n % 90));
    };
    // Baseline for the uncached search: the same searches ten weeks later, beyond the table of
    // open slots, so the service computes them from the schedules (as every search was before it).
    const beyond = () => {
      const n = unique++;
      const s = searchOf(n * 13 + 5, Math.random());
      const from = addDays(s.from, 70);
      return searchPath({ ...s, from, to: addDays(from, 6) }, 10 + (n % 90));
    };
    const patient = () => data.firstPatientId + Math.floor(Math.random() * data.patients);

    // Baseline: the search statements straight on PostgreSQL, one connection, sequentially.
    const rawOf = async (statement: string, withCity: boolean, count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const s = searchOf(i * 13 + 5, Math.random());
        const started = performance.now();
        await run(sql, statement, [s.spec, withCity ? s.city : null, null, null, s.from, s.to, new Date().toISOString(), '-infinity', 0, 21]);
        times.push(performance.now() - started);
      }
      const { p50, p95 } = summary(times);
      return { p50, p95 };
    };
    const rawSearchSql = {
      openSlotsCity: await rawOf(SEARCH_OPEN_SLOTS.city, true, 300),
      computedCity: await rawOf(SEARCH_AVAILABILITY, true, 300),
      openSlotsSpecialization: await rawOf(SEARCH_OPEN_SLOTS.specialization, false, 100),
      computedSpecialization: await rawOf(SEARCH_AVAILABILITY, false, 20),
    };
    log(`  raw search SQL: ${JSON.stringify(rawSearchSql)}`);

    // Statements per search, with nothing else running, on the replica behind the counting proxy.
    // Without workers, whose polling would be counted too.
    const counted = await startCloudProcess({ DATABASE_URL: counter.url, CLOUD_PORT: String(await freePort()), CLOUD_DB_POOL: '4', CLOUD_WORKERS: 'false' });
    const countedPool = new Pool(counted.ready.url, { connections: 2 });
    let statementsPerSearch: CloudBookingBenchResult['statementsPerSearch'];
    try {
      const countedCall = caller(countedPool);
      // Its start-up housekeeping done (it then searches the table of open slots), count.
      for (let i = 0; (await countedCall('GET', uncached(), token)).source !== 'open-slots'; i++) {
        if (i > 10_000) throw new Error('the counted replica never searched the table of open slots');
      }
      const before = counter.statements();
      for (let i = 0; i < 50; i++) {
        const r = await countedCall('GET', uncached(), token);
        if (r.status !== 200) throw new Error(`search: ${r.status} ${JSON.stringify(r.body)}`);
      }
      const afterMisses = counter.statements();
      for (let i = 0; i < 50; i++) await countedCall('GET', popular[0]!, token);
      statementsPerSearch = { uncached: (afterMisses - before) / 50, cached: (counter.statements() - afterMisses - 1) / 49 };
    } finally {
      await countedPool.close();
      counted.child.kill('SIGTERM');
      await counted.exited;
    }

    // Free slots to book: from searches, each (doctor, start) used once.
    const slots: Array<{ doctorId: number; startsAt: string; endsAt: string }> = [];
    const seen = new Set<string>();
    // Enough for the warm-up and every round's open and closed loop.
    for (let i = 0; slots.length < requestsPerKind * (2 * rounds + 1) && i < 8000; i++) {
      const s = searchOf(i, (i % 28) / 28);
      const rows = await run<{ doctorId: number; startsAt: string; endsAt: string }>(sql, SEARCH_OPEN_SLOTS.city, [s.spec, s.city, null, null, s.from, s.to, new Date(Date.now() + 3600_000).toISOString(), '-infinity', 0, 100]);
      for (const row of rows) {
        const key = `${row.doctorId}/${row.startsAt}`;
        if (!seen.has(key)) {
          seen.add(key);
          slots.push(row);
        }
      }
    }
    let slotIndex = 0;
    const bookings = { created: 0, conflicts: 0 };

    type Request = () => Promise<void>;
    const get = (path: () => string): Request => async () => {
      const r = await call('GET', path(), token);
      if (r.status !== 200) throw new Error(`GET: ${r.status} ${JSON.stringify(r.body)}`);
    };
    const work: Record<BookingKind, Request> = {
      health: get(() => '/v1/health'),
      searchPopular: get(() => popular[Math.floor(Math.random() * popular.length)]!),
      searchUncached: get(uncached),
      searchComputed: get(beyond),
      history: get(() => `/v1/patients/${patient()}/appointments?limit=20`),
      records: get(() => `/v1/patients/${patient()}/records?limit=20`),
      booking: async () => {
        const slot = slots[slotIndex++ % slots.length]!;
        const r = await call('POST', '/v1/appointments', token, { doctorId: slot.doctorId, patientId: patient(), startsAt: slot.startsAt, endsAt: slot.endsAt });
        if (r.status === 201) bookings.created++;
        else if (r.status === 409) bookings.conflicts++; // the patient is busy then, or the slot reused after the list ran out
        else throw new Error(`booking: ${r.status} ${JSON.stringify(r.body)}`);
      },
    };
    const timed = async (request: Request, latencies: number[]) => {
      const started = performance.now();
      await request();
      latencies.push(performance.now() - started);
    };
    const openLoop = async (request: Request, ratePerSecond: number): Promise<Latency> => {
      const latencies: number[] = [];
      const perClient = Math.ceil(requestsPerKind / clients);
      const meanGapMs = (clients / ratePerSecond) * 1000;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          const pending: Array<Promise<void>> = [];
          for (let k = 0; k < perClient; k++) {
            await new Promise((resolve) => setTimeout(resolve, -Math.log(1 - Math.random()) * meanGapMs));
            pending.push(timed(request, latencies));
          }
          await Promise.all(pending);
        }),
      );
      return { ...summary(latencies), offeredPerSecond: ratePerSecond };
    };
    const closedLoop = async (request: Request, count = requestsPerKind) => {
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (next++ < count) await timed(request, latencies);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const s = summary(latencies);
      return { requestsPerSecond: latencies.length / seconds, p50: s.p50, p95: s.p95 };
    };
    const allKinds: BookingKind[] = ['health', 'searchPopular', 'searchUncached', 'searchComputed', 'history', 'records', 'booking'];
    const kinds = process.env.BENCH_BOOKING_KINDS ? allKinds.filter((k) => process.env.BENCH_BOOKING_KINDS!.split(',').includes(k)) : allKinds;
    const config = await describe(sql, { scale: pg ? Number(process.env.BENCH_BOOKING_SCALE ?? 0.1) : null, pool, database: pg ? 'fresh' : 'existing', loadAverageAtStart, rounds });
    // On the database's file system when this run made it; otherwise the temporary folder's.
    const flushBefore = diskFlushLatency(root ?? tmpdir());
    const blocksBefore = await blockReads(sql);
    const latency: CloudBookingBenchResult['latency'] = {};
    const saturation: CloudBookingBenchResult['saturation'] = {};
    // Warm-up (JIT, prepared statements, connections), not measured.
    for (const kind of kinds) await closedLoop(work[kind], 300);
    // Rounds one after the other, each every kind: a slow moment of the machine shows as spread.
    for (let round = 1; round <= rounds; round++) {
      for (const kind of kinds) {
        log(`  round ${round}: ${kind}: open loop`);
        token = await signIn();
        (latency[kind] ??= []).push(await openLoop(work[kind], kind === 'booking' ? bookingRate : rate));
      }
      for (const kind of kinds) {
        log(`  round ${round}: ${kind}: closed loop`);
        token = await signIn();
        (saturation[kind] ??= []).push(await closedLoop(work[kind]));
      }
    }
    const blocksAfter = await blockReads(sql);
    const flushAfter = diskFlushLatency(root ?? tmpdir());
    const hit = blocksAfter.hit - blocksBefore.hit;
    const read = blocksAfter.read - blocksBefore.read;
    return { config: { ...config, bufferHitRatio: hit + read > 0 ? hit / (hit + read) : 1, diskFlush: { before: flushBefore, after: flushAfter } }, seed, clients, latency, saturation, bookings, statementsPerSearch, rawSearchSql };
  } finally {
    await http?.close();
    if (cloud) {
      cloud.child.kill('SIGTERM');
      await cloud.exited;
    }
    await counter.close();
    await sql.end({ timeout: 5 });
    await pg?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  }
}
