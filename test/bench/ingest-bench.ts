import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { ObservationWriter } from '../../gateway/storage/observation-writer.js';
import { WriterThread } from '../../gateway/storage/storage-threads.js';
import { openDatabase } from '../../gateway/storage/database.js';
import type { DeviceRegistry as DeviceRegistryType } from '../../gateway/storage/device-registry.js';
import type { WardRepository as WardRepositoryType } from '../../gateway/storage/ward-repository.js';
import { INSERT_OBSERVATION, INSERT_OBSERVATION_VALUE } from '../../gateway/storage/observation-batch.js';
import { databasePath } from '../../gateway/station.js';
import { freePort, startGatewayProcess } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const VITALS_PER_FRAME = 6;
/** Monitors of the alarm probe, one frame a second each: ten alarm changes a second to time. */
const ALARM_PROBE_MONITORS = 10;
const FRAME_VITALS = { HR: 72, PR: 71, SPO2: 97, RR: 16, TEMP: 36.9, ETCO2: 38 };

/**
 * The ceiling: raw better-sqlite3 inserting the same rows into the same schema with the same
 * pragmas (WAL, synchronous=FULL) in batched transactions, no network and no JSON.
 */
export function rawInsertCeiling(frames = 200_000, batch = 2000): { vitalsPerSecond: number } {
  // Median of three runs: a single run swings with the disk's fsync and checkpoint timing.
  const runs = [0, 1, 2].map(() => rawInsertOnce(frames, batch)).sort((a, b) => a - b);
  return { vitalsPerSecond: runs[1]! };
}

function rawInsertOnce(frames: number, batch: number): number {
  const dir = tempDir('ward-bench-raw-');
  const db = openDatabase(join(dir.path, 'raw.db'));
  const insertObs = db.prepare(INSERT_OBSERVATION);
  const insertValue = db.prepare(INSERT_OBSERVATION_VALUE);
  const ids = [1, 2, 3, 4, 5, 9];
  const values = Object.values(FRAME_VITALS);
  const run = db.transaction((from: number) => {
    const now = Date.now();
    for (let i = from; i < from + batch; i++) {
      const id = Number(insertObs.run(`dev-${i % 1000}`, i, null, now, now, 'B1', 1).lastInsertRowid);
      for (let k = 0; k < ids.length; k++) insertValue.run(id, ids[k], values[k]);
    }
  });
  const started = performance.now();
  for (let i = 0; i < frames; i += batch) run(i);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  dir.remove();
  return (frames * VITALS_PER_FRAME) / seconds;
}

function procStats(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds: ticks / 100, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface IngestResult {
  devices: number;
  offeredVitalsPerSecond: number;
  vitalsPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  gatewayCpuPercent: number;
  /** Highest RSS of the gateway process seen during the step (sampled every 100 ms). */
  gatewayPeakRssMb: number;
  lost: number;
  duplicated: number;
  /** Frame sent by a monitor → alarm event received on the UI channel, under this load. */
  alarmP50Ms: number;
  alarmP99Ms: number;
  alarmSamples: number;
}

/**
 * Sustained ingest over real WebSockets from `devices` concurrent devices against the gateway
 * running as its own process (as in production), at an offered rate; then checks in SQLite that
 * every sent frame is stored exactly once. `root` runs another checkout's gateway (a baseline).
 */
export async function gatewayIngest(opts: { devices: number; vitalsPerSecond: number; seconds: number; warmupSeconds?: number; root?: string }): Promise<IngestResult> {
  // The load runs this long before anything is measured: the first second after 1,000 idle
  // devices start sending at once is the gateway's (and the probe's) JIT and first batches, not
  // the steady state the step is about. Everything sent is still checked for loss.
  const warmupSeconds = opts.warmupSeconds ?? 2;
  const dir = tempDir('ward-bench-gw-');
  // The ward is set up by the code of the gateway under test (a baseline checkout has its own
  // migrations: a database written by newer code would be refused by it).
  const code = (path: string) => import(pathToFileURL(join(opts.root ?? REPO_ROOT, path)).href);
  const { openDatabase: openWardDatabase } = (await code('gateway/storage/database.ts')) as { openDatabase: typeof openDatabase };
  const { DeviceRegistry } = (await code('gateway/storage/device-registry.ts')) as { DeviceRegistry: typeof DeviceRegistryType };
  const { WardRepository } = (await code('gateway/storage/ward-repository.ts')) as { WardRepository: typeof WardRepositoryType };
  const db = openWardDatabase(databasePath(dir.path));
  const registry = new DeviceRegistry(db);
  const keys: string[] = [];
  // Every device in a bed of its own, so the alarm engine judges every sample as in a ward.
  const ward = new WardRepository(db);
  ward.addBed('B1', 'Bed 1', 'bench');
  for (let i = 0; i < opts.devices; i++) {
    ward.addBed(`BB${i}`, `Bench ${i}`, 'bench');
    keys.push(registry.register({ id: `bench-${i}`, model: 'Bench', transport: 'websocket', bedId: `BB${i}` }, 'bench').key!);
  }
  // The alarm probe: monitors at a bedside pace, each in a bed of its own.
  const probeMonitors = Array.from({ length: ALARM_PROBE_MONITORS }, (_, i) => {
    ward.addBed(`P${i}`, `Probe ${i}`, 'bench');
    return `P${i}=${registry.register({ id: `alarm-probe-${i}`, model: 'Bench', transport: 'websocket', bedId: `P${i}` }, 'bench').key!}`;
  });
  db.close();

  const port = await freePort();
  const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(port), '--ui-port', '0', '--no-mllp', '--no-demo'], opts.root);
  const pid = gateway.child.pid!;
  const clients = keys.map((key) => new DeviceClient({ url: `ws://127.0.0.1:${port}/devices`, key }));
  for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c.connect()));

  const probe = await startAlarmProbe(`ws://127.0.0.1:${port}/devices`, `${gateway.ready.channelUrl}?token=${gateway.ready.token}`, probeMonitors);

  const framesPerSecond = opts.vitalsPerSecond / VITALS_PER_FRAME;
  let before = procStats(pid);
  let peakRssMb = before.rssMb;
  const rssWatch = setInterval(() => (peakRssMb = Math.max(peakRssMb, procStats(pid).rssMb)), 100);
  const started = performance.now();
  let sent = 0;
  let next = 0;
  // Set when the warm-up ends.
  let measuredFrom = { at: 0, wallMs: 0, sent: 0 };
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= warmupSeconds + opts.seconds) {
        clearInterval(timer);
        resolve();
        return;
      }
      if (elapsed >= warmupSeconds && measuredFrom.at === 0) {
        measuredFrom = { at: performance.now(), wallMs: Date.now(), sent };
        for (const c of clients) c.measure = true;
        before = procStats(pid);
      }
      const due = Math.floor(elapsed * framesPerSecond) - sent;
      const ts = Date.now();
      for (let i = 0; i < due; i++) {
        clients[next]!.send(FRAME_VITALS, ts);
        next = (next + 1) % clients.length;
      }
      sent += Math.max(0, due);
    }, 5);
  });
  const alarms = await probe.stop();
  const lastSeqs = clients.map((c) => c.lastAck + c.pendingCount);
  await Promise.all(clients.map((c, i) => c.acked(lastSeqs[i]!)));
  const elapsed = (performance.now() - measuredFrom.at) / 1000;
  clearInterval(rssWatch);
  const after = procStats(pid);
  peakRssMb = Math.max(peakRssMb, after.rssMb);
  const latencies = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
  for (let i = 0; i < clients.length; i += 200) await Promise.all(clients.slice(i, i + 200).map((c) => c.close()));
  const alarmSorted = alarms.samples.filter(([sentWallMs]) => sentWallMs >= measuredFrom.wallMs).map(([, latency]) => latency).sort((a, b) => a - b);
  gateway.child.kill('SIGTERM');
  await gateway.exited;

  const check = new BetterSqlite3(databasePath(dir.path), { readonly: true });
  const stored = (check.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT device_id || \':\' || seq) AS d FROM observations').get() as { n: number; d: number });
  check.close();
  dir.remove();
  return {
    devices: opts.devices,
    offeredVitalsPerSecond: opts.vitalsPerSecond,
    vitalsPerSecond: ((sent - measuredFrom.sent) * VITALS_PER_FRAME) / elapsed,
    ackP50Ms: percentile(latencies, 50),
    ackP99Ms: percentile(latencies, 99),
    gatewayCpuPercent: ((after.cpuSeconds - before.cpuSeconds) / elapsed) * 100,
    gatewayPeakRssMb: peakRssMb,
    lost: sent + alarms.frames - stored.d,
    // The probe's own frames are in the table too; they are sent and acked like any other.
    duplicated: stored.n - stored.d,
    alarmP50Ms: percentile(alarmSorted, 50),
    alarmP99Ms: percentile(alarmSorted, 99),
    alarmSamples: alarmSorted.length,
  };
}

/** Starts `alarm-probe.ts` in its own process; `stop` ends it and returns its measurements. */
async function startAlarmProbe(deviceUrl: string, channelUrl: string, monitors: string[]): Promise<{ stop(): Promise<{ samples: Array<[number, number]>; frames: number }> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'alarm-probe.ts'), deviceUrl, channelUrl, ...monitors], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const messages: Array<Record<string, unknown>> = [];
  let wake: (() => void) | null = null;
  lines.on('line', (line) => {
    messages.push(JSON.parse(line) as Record<string, unknown>);
    wake?.();
  });
  const nextMessage = async (): Promise<Record<string, unknown>> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return messages.shift()!;
  };
  await nextMessage();
  return {
    async stop() {
      child.stdin!.end();
      return (await nextMessage()) as { samples: Array<[number, number]>; frames: number };
    },
  };
}

/**
 * The floor without sockets: the gateway's own storage path (ObservationWriter → writer thread,
 * group commit, the same batch encoding and thread messaging) fed in-process with decoded
 * observations from 1,000 devices at an offered rate, with no WebSocket, no JSON and no load
 * generator. Store → commit latency is what an ack could be at best; at saturation, the vitals/s
 * the storage path can take.
 */
export async function storageFloor(opts: { vitalsPerSecond: number; seconds: number }): Promise<{ vitalsPerSecond: number; commitP50Ms: number; commitP99Ms: number }> {
  const dir = tempDir('ward-bench-floor-');
  const path = join(dir.path, 'station.db');
  openDatabase(path).close();
  const thread = new WriterThread(path, 'FULL');
  await thread.open();
  const writer = new ObservationWriter(thread, { place: () => ({ bedId: 'B1', patientId: 1 }) });
  const framesPerSecond = opts.vitalsPerSecond / VITALS_PER_FRAME;
  const latencies: number[] = [];
  const seqs = new Array<number>(1000).fill(0);
  const started = performance.now();
  let sent = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= opts.seconds) {
        clearInterval(timer);
        resolve();
        return;
      }
      // Like the sockets, the producer holds off while storage reports back-pressure, and does
      // not catch up in one burst afterwards (devices paused by TCP send what they have, no more).
      if (writer.backlogged) return;
      const due = Math.min(Math.floor(elapsed * framesPerSecond) - sent, Math.ceil(framesPerSecond / 50));
      const ts = Date.now();
      for (let i = 0; i < due; i++) {
        const at = performance.now();
        void writer.store({ deviceId: `dev-${next}`, seq: ++seqs[next]!, messageId: null, ts, vitals: FRAME_VITALS }).then(() => latencies.push(performance.now() - at));
        next = (next + 1) % seqs.length;
      }
      sent += Math.max(0, due);
    }, 5);
  });
  await writer.drained();
  const elapsed = (performance.now() - started) / 1000;
  await writer.close();
  dir.remove();
  latencies.sort((a, b) => a - b);
  return { vitalsPerSecond: (sent * VITALS_PER_FRAME) / elapsed, commitP50Ms: percentile(latencies, 50), commitP99Ms: percentile(latencies, 99) };
}
