/**
 * `npm run bench`: figures printed beside a baseline measured in the same run, never against a
 * fixed time. Not part of `npm test`.
 */
import { gatewayIngest, rawInsertCeiling, storageFloor } from './ingest-bench.js';
import { cpus, loadavg } from 'node:os';
import { UI_BENCH_VIEWPORT, uiBench } from './ui-bench.js';
import { benchEngine } from '../../gateway/alarms/bench-engine.js';
import { cloudBench, READS, type CloudBenchResult } from './cloud-bench.js';
import { cloudReportsBench } from './cloud-reports-bench.js';
import { benchSizes, cloudBookingBench } from './cloud-booking-bench.js';
import { floodBench } from './flood-bench.js';
import { cloudSecurityBench } from './cloud-security-bench.js';
import { replicasBench } from './replicas-bench.js';
import { acmBench } from './acm-bench.js';
import { cliBench } from './cli-bench.js';
import { pushBench } from './push-bench.js';
import { codecComparison, diskPerBedHour, gatewayWaves, rawWaveInsertCeiling } from './waves-bench.js';
import { waveStripsBench } from './wave-strips-bench.js';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'ingest') await ingest();
  if (!only || only === 'waves') await waves();
  if (!only || only === 'strips') await strips();
  if (!only || only === 'flood') await flood();
  if (!only || only === 'ui') await ui();
  if (!only || only === 'cloud') await cloud();
  if (!only || only === 'reports') await reports();
  if (!only || only === 'booking') await booking();
  if (!only || only === 'security') await security();
  if (!only || only === 'replicas') await replicas();
  if (!only || only === 'acm') await acm();
  if (!only || only === 'cli') cli();
  if (!only || only === 'push') await push();
}

async function replicas() {
  const opts = { stations: Number(process.env.BENCH_REPLICAS_STATIONS ?? 2), batchesPerStation: Number(process.env.BENCH_REPLICAS_BATCHES ?? 5), batchObservations: 5000 };
  console.error(
    `\n== Streaming replicas and region failover (PostgreSQL 15 primary + pg_basebackup hot standby on loopback, fsync off; cloud as its own process, native storage, ` +
      `CLOUD_READ_DATABASE_URL = the standby; ${opts.stations} stations × ${opts.batchesPerStation} batches of ${opts.batchObservations} observations × 6 vitals) ==`,
  );
  const r = await replicasBench({ ...opts, log: process.env.BENCH_VERBOSE ? (line) => console.error(line) : undefined });
  const lag = (l: { samples: number; replayLagMs: { p50: number; p95: number; max: number }; bytesBehind: { p50: number; p95: number; max: number } }) =>
    `replay lag p50 ${fmt(l.replayLagMs.p50, 1)} ms p95 ${fmt(l.replayLagMs.p95, 1)} ms max ${fmt(l.replayLagMs.max, 1)} ms; behind p95 ${fmt(l.bytesBehind.p95 / 1024)} KiB max ${fmt(l.bytesBehind.max / 1024)} KiB (${fmt(l.samples)} samples)`;
  console.error(`server: ${r.server}`);
  console.error(`standby lag during ingest (${fmt(r.ingestRowsPerSecond)} values/s, ${fmt(r.ingestRows)} values): ${lag(r.underIngest)}`);
  console.error(`  baseline, the idle pair: ${lag(r.idle)}`);
  console.error(`  after the last batch was accepted, the standby had replayed it in ${fmt(r.catchUpMs)} ms`);
  for (const f of r.failover) {
    console.error(
      `region failover, ${f.replication} replication (link to the standby down, primary and its cloud SIGKILLed mid-batch, pg_ctl promote, station on its failover URL): ` +
        `RPO ${fmt(f.rpoSeconds, 1)} s (${fmt(f.lost)} observations lost of ${fmt(f.acceptedWhilePartitioned)} accepted while the link was down), ` +
        `RTO ${fmt(f.rtoSeconds, 1)} s until the next batch was accepted (promotion ${fmt(f.promoteSeconds, 1)} s); duplicated ${fmt(f.duplicated)}`,
    );
  }
}

async function acm() {
  console.error('\n== Alarm forwarding to an ACM (in-process: alarm service on SQLite synchronous=NORMAL, ACM on loopback answering AA at once) ==');
  const r = await acmBench();
  console.error(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => fmt(l, 1)).join(' / ')} (1 / 5 / 15 min) at the end`);
  console.error(`event-loop time per alarm event (${fmt(r.events)} events): with forwarding ${fmt(r.forwardedMicros, 1)} µs | baseline: alarm service alone ${fmt(r.aloneMicros, 1)} µs`);
  console.error(`alarm event → ORU^R40 at the ACM, one at a time: p50 ${fmt(r.toAcm.p50, 2)} ms p99 ${fmt(r.toAcm.p99, 2)} ms | baseline: MLLP frame and ACK on the same loopback p50 ${fmt(r.mllpRoundTrip.p50, 2)} ms p99 ${fmt(r.mllpRoundTrip.p99, 2)} ms`);
}

function cli() {
  const r = cliBench();
  console.error(`\n== IT command time (devices list, median of ${r.runs}; ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)} at the end) ==`);
  console.error(`ward-station (built JavaScript): ${fmt(r.builtMs)} ms | baseline: the same command from the TypeScript sources through tsx ${fmt(r.sourcesMs)} ms; floor: node -e 0 ${fmt(r.nodeFloorMs)} ms`);
}

async function push() {
  console.error(`\n== Cloud push (two replicas on one embedded PostgreSQL, native storage; a loopback webhook receiver; load average ${fmt(loadavg()[0]!, 2)} on ${cpus().length} cores) ==`);
  const r = await pushBench();
  console.error(`live stream: event on replica B ${fmt(r.streamLagMs.p50, 1)} ms p50, ${fmt(r.streamLagMs.p99, 1)} ms p99 after replica A answered the batch (${fmt(r.batches)} one-observation batches) | baseline: the batch's own answer ${fmt(r.putMs.p50, 1)} ms p50, ${fmt(r.putMs.p99, 1)} ms p99`);
  console.error(`webhooks: ${fmt(r.webhooks.events)} events committed in one transaction delivered at ${fmt(r.webhooks.perSecond)}/s (CLOUD_WEBHOOK_CONCURRENCY=${r.webhooks.concurrency}) | baseline: the same bodies POSTed with bare undici at the same concurrency ${fmt(r.webhooks.rawUndiciPerSecond)}/s`);
}

async function security() {
  console.error('\n== Cloud under attack (own process on an embedded PostgreSQL, native storage; default CLOUD_PASSWORD_HASH_THREADS=2, CLOUD_PASSWORD_HASH_QUEUE=32) ==');
  const r = await cloudSecurityBench();
  const l = (x: { p50: number; p99: number; count: number }) => `p50 ${fmt(x.p50, 1)} ms p99 ${fmt(x.p99, 1)} ms (${fmt(x.count)} requests)`;
  console.error(`authenticated reads (latest vitals, 4 clients): during ${r.reads.floodClients} concurrent failed sign-ins from distinct addresses ${l(r.reads.underFlood)} | baseline: without the flood ${l(r.reads.alone)}`);
  console.error(`  the flood's answers: ${Object.entries(r.reads.floodAnswers).map(([status, n]) => `${fmt(n)} x ${status}`).join(', ')} (401 checked, 429 throttled, 503 hashing queue full)`);
  console.error(`one station's 1-row batches: beside a station sending hostile timestamps ${l(r.ingest.besideHostile)} | baseline: alone ${l(r.ingest.alone)}`);
  console.error(`  the hostile station: ${fmt(r.ingest.hostileBatches)} batches of 320 rows (300 a week apart from 2030, 20 on old days), ${fmt(r.ingest.hostileRowsRefused)} rows refused; answers: ${Object.entries(r.ingest.hostileAnswers).map(([a, n]) => `${fmt(n)} x ${a}`).join(', ')}`);
  const c = r.revocationCheck;
  console.error(`revocation check per request: a remembered token's verification ${fmt(c.verifyWithCheckMicros, 1)} µs with it (${fmt(c.revokedSessions)} revoked sessions held) | baseline: ${fmt(c.verifyMicros, 1)} µs without`);
  console.error(`token verification per request: a token's first use (HMAC through WebCrypto) ${fmt(c.firstVerifyMicros, 1)} µs | remembered (every later request with it): ${fmt(c.verifyWithCheckMicros, 1)} µs`);
}

async function waves() {
  const beds = Number(process.env.BENCH_WAVE_BEDS ?? 64);
  const rate = Number(process.env.BENCH_WAVE_RATE ?? 250);
  const seconds = Number(process.env.BENCH_WAVE_SECONDS ?? 20);
  console.error(`\n== Waveforms (gateway as its own process; ${beds} beds x 3 waves x ${rate} Hz, 1 s frames, plus 1 numeric frame/s per bed; ${seconds} s; synchronous=FULL) ==`);
  console.error('encodings on demo waves (4 beds x 300 s; ECG 250 Hz, pleth and resp 125 Hz; payload only):');
  for (const c of codecComparison()) console.error(`  ${c.name.padEnd(48)} ${fmt(c.bytesPerSample, 3)} bytes/sample, ${fmt(c.microsPerBlock, 1)} µs/block`);
  const disk = diskPerBedHour();
  for (const [label, f] of [
    ['in minute segments (full disclosure)', disk.segments],
    ['as received, 1 row per frame (baseline)', disk.received],
  ] as const) {
    console.error(
      `on disk (table + indexes, dbstat), demo waves ${label}: ${fmt(f.bytesPerSample, 3)} bytes/sample, ${fmt(f.bytesPerBedHour / 1e6, 2)} MB per bed-hour; ` +
        `32 beds x 3 waves x 72 h: ${fmt((f.bytesPerBedHour * 32 * 72) / 1e9, 2)} GB (${fmt(disk.samples)} samples measured)`,
    );
  }
  const ceiling = rawWaveInsertCeiling(beds, rate);
  console.error(`ceiling: raw better-sqlite3 inserts of the same blocks (precompressed, batches of 192), synchronous=FULL: ${fmt(ceiling.samplesPerSecond)} samples/s`);
  const r = await gatewayWaves({ beds, rate, seconds });
  console.error(
    `gateway: offered ${fmt(r.offeredSamplesPerSecond)} samples/s, sustained ${fmt(r.samplesPerSecond)} (${fmt((r.samplesPerSecond / ceiling.samplesPerSecond) * 100, 1)} % of ceiling); ` +
      `wave ack p50 ${fmt(r.waveAckP50Ms, 1)} ms p99 ${fmt(r.waveAckP99Ms, 1)} ms; numeric ack p99 ${fmt(r.numericAckP99Ms, 1)} ms; ` +
      `${fmt(r.bytesPerSample, 3)} bytes/sample on disk; gateway CPU ${fmt(r.gatewayCpuPercent)} %, peak RSS ${fmt(r.gatewayPeakRssMb)} MB; samples lost / duplicated ${r.lost} / ${r.duplicated}`,
  );
}

async function strips() {
  console.error('\n== Live wave strips (headless Chromium 1920x1080, the demo ward streaming real waves; ECG and pleth on every tile, 600 frames) ==');
  for (const beds of [16, 32]) {
    const r = await waveStripsBench(beds);
    console.error(
      `${beds} beds, ${r.strips} strips sweeping: frame p50 ${fmt(r.medianMs, 1)} ms (${fmt(1000 / r.medianMs)} fps), p95 ${fmt(r.p95Ms, 1)} ms | baseline: empty page p50 ${fmt(r.emptyPageMedianMs, 1)} ms; load average ${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores`,
    );
  }
}

async function flood() {
  const opts = { bystanders: Number(process.env.BENCH_FLOOD_BYSTANDERS ?? 50), framesPerSecondEach: Number(process.env.BENCH_FLOOD_RATE ?? 10), seconds: Number(process.env.BENCH_FLOOD_SECONDS ?? 15) };
  console.error(`\n== One device flooding (gateway as its own process; ${opts.bystanders} bystander devices at ${opts.framesPerSecondEach} frames/s each, ${opts.seconds} s per phase) ==`);
  const r = await floodBench(opts);
  const line = (l: { acks: number; p50Ms: number; p99Ms: number }) => `ack p50 ${fmt(l.p50Ms, 1)} ms p99 ${fmt(l.p99Ms, 1)} ms (${fmt(l.acks)} frames)`;
  console.error(`bystanders alone (baseline):        ${line(r.baseline)}`);
  console.error(`bystanders while one device floods: ${line(r.flood)}`);
  const f = r.flooder;
  console.error(
    `flooder: sent ${fmt(f.sent)} frames in ${fmt(f.seconds, 1)} s, acknowledged ${fmt(f.acked)} (${fmt(f.acked / f.seconds)} frames/s); ` +
      `its bucket (burst ${fmt(5000)} + 500/s) allows ${fmt(f.bucketAllows)}; stored in SQLite ${fmt(f.stored)}; gateway RSS ${fmt(r.rssMb)} MB`,
  );
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
  const flush = c.diskFlush;
  console.error(
    `disk: an 8 kB write made durable (fdatasync, as a commit's WAL flush) in ${flush.before.dir}: p50 ${fmt(flush.before.p50Ms, 2)} ms p95 ${fmt(flush.before.p95Ms, 2)} ms before the measured rounds, ` +
      `p50 ${fmt(flush.after.p50Ms, 2)} ms p95 ${fmt(flush.after.p95Ms, 2)} ms after (200 each; bookings wait for this flush)`,
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
    catchUpBatch: Number(process.env.BENCH_CATCHUP_BATCH ?? 5000),
    clients: 100,
    requestsPerKind: Number(process.env.BENCH_CLOUD_REQUESTS ?? 5000),
    openLoopRate: Number(process.env.BENCH_CLOUD_RATE ?? 300),
  };
  const modes = (process.env.BENCH_CLOUD_MODES ?? 'native,timescaledb').split(',') as Array<'native' | 'timescaledb'>;
  console.error(
    `\n== Cloud (own process; ${opts.stations} stations × ${opts.batchesPerStation} batches of ${opts.batchObservations} observations × 6 vitals; ` +
      `catch-up in batches of ${opts.catchUpBatch}; ${opts.clients} clients, ${fmt(opts.requestsPerKind)} requests a kind; modes: ${modes.join(', ')}) ==`,
  );
  const results: CloudBenchResult[] = [];
  for (const mode of modes) results.push(await cloudBench(mode, opts));
  const col = (cells: string[]) => cells.map((c) => c.padEnd(58)).join(' | ');
  const row = (name: string, cell: (r: (typeof results)[number]) => string) => console.error(`${name.padEnd(30)} ${col(results.map(cell))}`);
  row('', (r) => `${r.mode}: ${r.server}`);
  row('ceiling: COPY into vitals', (r) => `${fmt(r.copyRowsPerSecond)} rows/s`);
  row(`ingest, ${opts.stations} stations`, (r) => `${fmt(r.ingestRowsPerSecond)} rows/s = ${fmt((r.ingestRowsPerSecond / r.copyRowsPerSecond) * 100, 1)} % of COPY`);
  row(`catch-up ${opts.backlogHours} h, ${opts.beds} beds`, (r) => `${fmt(r.catchUp.rows)} values in ${fmt(r.catchUp.seconds, 1)} s (${fmt(r.catchUp.rowsPerSecond)}/s; 24 h: ${fmt(r.catchUp.projected24hSeconds)} s)`);
  row('raw vitals on disk', (r) => `${fmt(r.storage.bytesPerValue, 1)} B/value` + (r.storage.uncompressedBytesPerValue ? ` compressed (${fmt(r.storage.uncompressedBytesPerValue, 1)} B before)` : ' (partitions + index)'));
  for (const kind of READS) {
    row(`${kind} one client`, (r) => `p50 ${fmt(r.sequential[kind].p50, 1)} ms p95 ${fmt(r.sequential[kind].p95, 1)} ms`);
    row(`${kind} open loop`, (r) => `@ ${fmt(r.latency[kind].offeredPerSecond)} req/s: p50 ${fmt(r.latency[kind].p50, 1)} p95 ${fmt(r.latency[kind].p95, 1)} p99 ${fmt(r.latency[kind].p99, 1)} ms`);
    row(`${kind} closed loop`, (r) => `${fmt(r.saturation[kind].requestsPerSecond)} req/s, p50 ${fmt(r.saturation[kind].p50, 1)} p95 ${fmt(r.saturation[kind].p95, 1)} ms`);
  }
  row('history24h SQL alone', (r) => `p50 ${fmt(r.history24hSql.p50, 2)} ms p95 ${fmt(r.history24hSql.p95, 2)} ms (one connection, no HTTP)`);
  row('  before the refresh jobs', (r) => (r.history24hSqlUnrefreshed ? `p50 ${fmt(r.history24hSqlUnrefreshed.p50, 2)} ms p95 ${fmt(r.history24hSqlUnrefreshed.p95, 2)} ms; the jobs took ${fmt(r.refreshSeconds!, 1)} s` : '(rollups written by ingest)'));
  console.error('(health = the same HTTP stack and one SELECT 1: the baseline for the reads; records, search of slots and appointments: the booking section)');
}

async function ui() {
  const beds = Number(process.env.BENCH_UI_BEDS ?? 500);
  const minutes = Number(process.env.BENCH_UI_MINUTES ?? 2);
  console.error(
    `\n== Station UI (${beds} demo beds at 1 Hz, all live; headless Chromium at ${UI_BENCH_VIEWPORT.width}x${UI_BENCH_VIEWPORT.height} scrolling 40 px a frame for ${minutes} min) ==`,
  );
  const r = await uiBench(beds, minutes);
  console.error(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => fmt(l, 1)).join(' / ')} (1 / 5 / 15 min) at the end`);
  console.error(`baseline: empty page frame time median ${fmt(r.baselineMedianMs, 1)} ms (${fmt(1000 / r.baselineMedianMs)} fps)`);
  console.error(`baseline: the same ward scrolled with pushes stopped: median ${fmt(r.quietMedianMs, 1)} ms (${fmt(1000 / r.quietMedianMs)} fps), p95 ${fmt(r.quietP95Ms, 1)} ms`);
  console.error(
    `ward while scrolling: frame time median ${fmt(r.scrollMedianMs, 1)} ms (${fmt(r.fpsMedian)} fps), p95 ${fmt(r.scrollP95Ms, 1)} ms; ` +
      `long tasks ${r.longTasks}, ${fmt(r.longTaskMsPer10s)} ms per 10 s; DOM ${r.domNodes} nodes with ${r.tilesInDom} of ${r.beds} tiles; JS heap ${fmt(r.heapStartMb, 1)} → ${fmt(r.heapEndMb, 1)} MB`,
  );
  console.error(`traffic to one page (on the wire, compressed): ${fmt(r.bytesPerSecondPerPage / 1024, 1)} KB/s`);
  console.error(`device frame → alarm row in the page's DOM (${r.alarmSamples} alarms): p50 ${fmt(r.alarmLatencyP50Ms)} ms, max ${fmt(r.alarmLatencyMaxMs)} ms`);
}

async function ingest() {
  const devices = Number(process.env.BENCH_DEVICES ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
  const baselineRoot = process.env.BENCH_BASELINE_ROOT;
  console.error(`\n== Station ingest (${devices} WebSocket devices, 6 vitals a frame, ${seconds} s measured per step after ${warmupSeconds} s of the same load, synchronous=FULL) ==`);
  const ceiling = rawInsertCeiling();
  console.error(`ceiling: raw better-sqlite3 batched insert, same schema, synchronous=FULL: ${fmt(ceiling.vitalsPerSecond)} vitals/s`);
  const engine = benchEngine();
  console.error(`alarm engine alone: ${fmt(engine.samplesPerSecond)} samples/s (${fmt(engine.vitalsPerSecond)} vitals/s evaluated) on one core`);
  const share = (v: number) => `${fmt((v / ceiling.vitalsPerSecond) * 100, 1)} %`;
  const floorLight = await storageFloor({ vitalsPerSecond: 50_000, seconds: Math.min(seconds, 10) });
  const floorFull = await storageFloor({ vitalsPerSecond: 2 * ceiling.vitalsPerSecond, seconds: Math.min(seconds, 10) });
  console.error(
    `floor without sockets (the gateway's storage path fed in-process, no WebSocket, no JSON): store→commit p50 ${fmt(floorLight.commitP50Ms, 1)} ms p99 ${fmt(floorLight.commitP99Ms, 1)} ms at 50,000 vitals/s; ` +
      `saturated ${fmt(floorFull.vitalsPerSecond)} vitals/s (${share(floorFull.vitalsPerSecond)} of ceiling)`,
  );
  const offered = (process.env.BENCH_RATES ?? '50000,100000,150000,200000,300000').split(',').map(Number);
  console.error('| offered vitals/s | sustained | share of ceiling | ack p50 / p99 | frame→alarm on screen p50 / p99 (samples) | peak RSS | gateway CPU | lost / duplicated |');
  console.error('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const row = (label: string, rate: number, r: Awaited<ReturnType<typeof gatewayIngest>>) =>
    console.error(
      `| ${label}${fmt(rate)}${r.vitalsPerSecond < 0.95 * rate ? ' (saturated)' : ''} | ${fmt(r.vitalsPerSecond)} | ${share(r.vitalsPerSecond)} | ${fmt(r.ackP50Ms, 1)} / ${fmt(r.ackP99Ms, 1)} ms | ` +
        `${fmt(r.alarmP50Ms, 1)} / ${fmt(r.alarmP99Ms, 1)} ms (${r.alarmSamples}) | ${fmt(r.gatewayPeakRssMb)} MB | ${fmt(r.gatewayCpuPercent)} % | ${r.lost} / ${r.duplicated} |`,
    );
  for (const rate of offered) {
    row('', rate, await gatewayIngest({ devices, vitalsPerSecond: rate, seconds, warmupSeconds }));
    // The same step against another checkout's gateway, for a before/after in one run.
    if (baselineRoot) row('baseline @ ', rate, await gatewayIngest({ devices, vitalsPerSecond: rate, seconds, warmupSeconds, root: baselineRoot }));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
