/**
 * `npm run bench`: figures printed beside a baseline measured in the same run, never against a
 * fixed time. Not part of `npm test`.
 */
import { gatewayIngest, rawInsertCeiling } from './ingest-bench.js';
import { uiBench } from './ui-bench.js';
import { benchEngine } from '../../gateway/alarms/bench-engine.js';
import { cloudBench } from './cloud-bench.js';
import { cloudReportsBench } from './cloud-reports-bench.js';
import { benchSizes, cloudBookingBench } from './cloud-booking-bench.js';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'ingest') await ingest();
  if (!only || only === 'ui') await ui();
  if (!only || only === 'cloud') await cloud();
  if (!only || only === 'reports') await reports();
  if (!only || only === 'booking') await booking();
}

/** Median and spread (min–max) of one figure over the rounds. */
function spread(values: number[], digits = 1): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return sorted.length > 1 ? `${fmt(median, digits)} ms (${fmt(sorted[0]!, digits)}–${fmt(sorted[sorted.length - 1]!, digits)})` : `${fmt(median, digits)} ms`;
}

async function booking() {
  const sizes = benchSizes();
  console.error(
    process.env.BENCH_BOOKING_DATABASE_URL
      ? `\n== Cloud records and booking (on the database already seeded at BENCH_BOOKING_DATABASE_URL) ==`
      : `\n== Cloud records and booking (own embedded PostgreSQL seeded with COPY: ${fmt(sizes.patients)} patients, ${fmt(sizes.doctors)} doctors, ` +
          `${fmt(sizes.appointments)} appointments, ${fmt(sizes.records)} records; BENCH_BOOKING_SCALE=1 for the seeds' full scale) ==`,
  );
  const r = await cloudBookingBench({ log: process.env.BENCH_VERBOSE ? (line) => console.error(line) : undefined });
  const c = r.config;
  if (r.seed) console.error(`seed: ${fmt(r.seed.totalSeconds, 1)} s (${Object.entries(r.seed.seconds).map(([k, v]) => `${k} ${fmt(v, 1)} s`).join(', ')})`);
  console.error(
    `configuration: ${c.scale === null ? 'existing database' : `scale ${c.scale}`} (${fmt(c.rows.patients)} patients, ${fmt(c.rows.doctors)} doctors, ${fmt(c.rows.appointments)} appointments, ` +
      `${fmt(c.rows.records)} records, ${fmt(c.rows.openSlots)} open slots; ${fmt(c.doctorsPerSearch, 1)} doctors per specialization and city); ` +
      `PostgreSQL ${c.postgres.version}: shared_buffers ${c.postgres.sharedBuffers}, effective_cache_size ${c.postgres.effectiveCacheSize}, work_mem ${c.postgres.workMem}, max_connections ${c.postgres.maxConnections}; ` +
      `service pool ${c.pool} connections for ${r.clients} clients; database ${c.database === 'fresh' ? 'freshly seeded by this run (then VACUUM ANALYZE)' : 'as found (already seeded)'}, ` +
      `${fmt(c.bufferHitRatio * 100, 1)} % of the measured rounds' block reads from shared_buffers; load average at start ${fmt(c.loadAverageAtStart, 2)} on ${c.cores} cores`,
  );
  const raw = r.rawSearchSql;
  const ms = (x: { p50: number; p95: number }) => `p50 ${fmt(x.p50, 2)} ms p95 ${fmt(x.p95, 2)} ms`;
  console.error('search statements straight on PostgreSQL (one connection, no HTTP), a page of 20 over 7 days:');
  console.error(`  specialization + city:  from the table of open slots ${ms(raw.openSlotsCity)} | baseline: computed from the schedules ${ms(raw.computedCity)} (${fmt(raw.computedCity.p50 / raw.openSlotsCity.p50, 1)}x)`);
  console.error(`  specialization alone:   from the table of open slots ${ms(raw.openSlotsSpecialization)} | baseline: computed from the schedules ${ms(raw.computedSpecialization)} (${fmt(raw.computedSpecialization.p50 / raw.openSlotsSpecialization.p50, 1)}x)`);
  console.error(`statements per search request (counted at the wire): ${fmt(r.statementsPerSearch.uncached, 2)} on a cache miss, ${fmt(r.statementsPerSearch.cached, 2)} on a hit`);
  console.error(`each figure: median of ${c.rounds} rounds (lowest–highest); ${r.clients} clients; targets: reads p95 <= 10 ms at 300 req/s, booking p95 <= 50 ms at 100 req/s`);
  const names: Record<string, string> = { health: 'health (baseline: HTTP + SELECT 1)', searchPopular: 'search, popular (cached)', searchUncached: 'search, all distinct (uncached)', searchComputed: '  baseline: the same, computed', history: "patient's appointments page", records: 'records page', booking: 'booking (POST, transaction)' };
  for (const [kind, rounds] of Object.entries(r.latency)) {
    const closed = r.saturation[kind as keyof typeof r.saturation] ?? [];
    console.error(
      `${names[kind]!.padEnd(36)} open loop @ ${fmt(rounds[0]!.offeredPerSecond)} req/s: p50 ${spread(rounds.map((l) => l.p50))} p95 ${spread(rounds.map((l) => l.p95))} p99 ${spread(rounds.map((l) => l.p99))}` +
        ` | closed loop: ${fmt(median(closed.map((s) => s.requestsPerSecond)))} req/s, p50 ${spread(closed.map((s) => s.p50))} p95 ${spread(closed.map((s) => s.p95))}`,
    );
  }
  console.error(`bookings: ${fmt(r.bookings.created)} created, ${fmt(r.bookings.conflicts)} refused with 409 (patient busy or slot already taken)`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function reports() {
  console.error('\n== Cloud reports and reminders (own embedded PostgreSQL; rollups loaded with COPY) ==');
  const r = await cloudReportsBench();
  const s = r.scale;
  console.error(
    `scale: ${s.beds} beds x ${s.days} days, ${s.vitals} vitals: ${fmt(s.minuteRows)} 1-minute rollup rows, ${fmt(s.hourRows)} hourly, ${fmt(s.alarmRows)} alarm events; seeded in ${fmt(s.seedSeconds, 1)} s`,
  );
  const line = (name: string, m: { reportMs: number; baselineMs: number; rows: number }) =>
    console.error(`${name}: ${fmt(m.reportMs, 1)} ms for the whole report (${fmt(m.rows)} rows to CSV + PDF) | baseline: its bare query ${fmt(m.baselineMs, 1)} ms`);
  line('weekly vitals report, one patient (hourly rollup)', r.weeklyVitals);
  line('daily vitals report, one patient (minute rollup)', r.dailyVitals);
  line('ward alarm summary, one week', r.wardAlarms);
  const n = r.reminders;
  console.error(
    `reminders to the loopback SMTP server (${fmt(n.count)}): ${fmt(n.perSecond)}/s with one dispatcher, ${fmt(n.twoDispatchersPerSecond)}/s with two | baseline: raw nodemailer pooled sends ${fmt(n.rawNodemailerPerSecond)}/s`,
  );
}

async function cloud() {
  const opts = {
    stations: Number(process.env.BENCH_CLOUD_STATIONS ?? 4),
    batchesPerStation: Number(process.env.BENCH_CLOUD_BATCHES ?? 10),
    batchObservations: 5000,
    backlogHours: Number(process.env.BENCH_BACKLOG_HOURS ?? 24),
    beds: 32,
    clients: 100,
    requestsPerKind: Number(process.env.BENCH_CLOUD_REQUESTS ?? 5000),
    openLoopRate: Number(process.env.BENCH_CLOUD_RATE ?? 1000),
  };
  console.error(`\n== Cloud (own process, embedded PostgreSQL; ${opts.stations} stations × ${opts.batchesPerStation} batches of ${opts.batchObservations} observations × 6 vitals) ==`);
  const r = await cloudBench(opts);
  console.error(`ceiling: COPY into the vitals table: ${fmt(r.copyRowsPerSecond)} rows/s`);
  console.error(`ingest endpoint (${r.ingestStations} concurrent stations, gzip batches, rollups and latest values maintained): ${fmt(r.ingestRowsPerSecond)} rows/s = ${fmt((r.ingestRowsPerSecond / r.copyRowsPerSecond) * 100, 1)} % of COPY`);
  console.error(
    `catch-up: ${r.catchUp.hours} h backlog of a ${r.catchUp.beds}-bed ward (${fmt(r.catchUp.rows)} rows) by the station's sync client: ${fmt(r.catchUp.seconds, 1)} s ` +
      `(${fmt(r.catchUp.rowsPerSecond)} rows/s; a 24 h backlog takes ${fmt(r.catchUp.projected24hSeconds)} s at that rate)`,
  );
  for (const kind of ['health', 'latest', 'history24h'] as const) {
    const l = r.latency[kind];
    const s = r.saturation[kind];
    const one = r.sequential[kind];
    console.error(
      `${kind.padEnd(10)} one client: p50 ${fmt(one.p50, 1)} ms p95 ${fmt(one.p95, 1)} ms | ${r.clients} clients open loop @ ${fmt(l.offeredPerSecond)} req/s: p50 ${fmt(l.p50, 1)} ms p95 ${fmt(l.p95, 1)} ms p99 ${fmt(l.p99, 1)} ms` +
        ` | closed loop (saturation): ${fmt(s.requestsPerSecond)} req/s, p50 ${fmt(s.p50, 1)} ms p95 ${fmt(s.p95, 1)} ms`,
    );
  }
  console.error('(health = the same HTTP stack and one SELECT 1: the baseline for the two reads)');
}

async function ui() {
  const beds = Number(process.env.BENCH_UI_BEDS ?? 500);
  const minutes = Number(process.env.BENCH_UI_MINUTES ?? 2);
  console.error(`\n== Station UI (${beds} demo beds at 1 Hz, scrolling for ${minutes} min in headless Chromium) ==`);
  const r = await uiBench(beds, minutes);
  console.error(`baseline: empty page frame time median ${fmt(r.baselineMedianMs, 1)} ms (${fmt(1000 / r.baselineMedianMs)} fps)`);
  console.error(
    `ward: frame time median ${fmt(r.scrollMedianMs, 1)} ms (${fmt(r.fpsMedian)} fps), p95 ${fmt(r.scrollP95Ms, 1)} ms, long tasks ${r.longTasks}, ` +
      `DOM ${r.domNodes} nodes with ${r.tilesInDom} of ${r.beds} tiles, JS heap ${fmt(r.heapStartMb, 1)} → ${fmt(r.heapEndMb, 1)} MB`,
  );
}

async function ingest() {
  const devices = Number(process.env.BENCH_DEVICES ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  console.error(`\n== Station ingest (${devices} WebSocket devices, ${seconds} s per step) ==`);
  const ceiling = rawInsertCeiling();
  console.error(`ceiling: raw better-sqlite3 batched insert, same schema, synchronous=FULL: ${fmt(ceiling.vitalsPerSecond)} vitals/s`);
  const engine = benchEngine();
  console.error(`alarm engine alone: ${fmt(engine.samplesPerSecond)} samples/s (${fmt(engine.vitalsPerSecond)} vitals/s evaluated) on one core`);
  const offered = (process.env.BENCH_RATES ?? '50000,100000,150000,200000').split(',').map(Number);
  for (const rate of offered) {
    const r = await gatewayIngest({ devices, vitalsPerSecond: rate, seconds });
    console.error(
      `gateway @ offered ${fmt(rate)} vitals/s: sustained ${fmt(r.vitalsPerSecond)} vitals/s (${fmt((r.vitalsPerSecond / ceiling.vitalsPerSecond) * 100, 1)} % of ceiling), ` +
        `ack p50 ${fmt(r.ackP50Ms, 1)} ms p99 ${fmt(r.ackP99Ms, 1)} ms, frame→alarm on screen p50 ${fmt(r.alarmP50Ms, 1)} ms p99 ${fmt(r.alarmP99Ms, 1)} ms, ` +
        `gateway CPU ${fmt(r.gatewayCpuPercent)} %, RSS ${fmt(r.gatewayRssMb)} MB, lost ${r.lost}, duplicated ${r.duplicated}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
