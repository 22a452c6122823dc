import { brotliCompressSync, constants, deflateRawSync, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { DemoWaveSource } from '../../gateway/demo/demo-wave-source.js';
import { SimulatedPatient } from '../../gateway/demo/simulated-patient.js';
import { DETERIORATING_BED } from '../../gateway/demo/demo-ward.js';
import { SyntheticWaves } from '../../gateway/demo/synthetic-waves.js';
import { openDatabase } from '../../gateway/storage/database.js';
import { databasePath } from '../../gateway/station.js';
import { WAVE_CODES, type WaveCode, type WaveFrame } from '../../gateway/protocol/wave-frames.js';
import { deltaVarints, encodeWaveSamples, WAVE_ENCODING_DELTA2_DEFLATE } from '../../gateway/waves/wave-codec.js';
import { INSERT_WAVE_BLOCK, waveBatchCommitter, type EncodedWaveBatch } from '../../gateway/waves/wave-block-store.js';
import { CompactedSeqs, WaveCompaction } from '../../gateway/waves/wave-compaction.js';
import { freePort, startGatewayProcess } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';

const SCALES: Record<WaveCode, number> = { ECG_II: 0.005, PLETH: 0.001, RESP: 0.001 };

/** Blocks of demo waves (1 s each) from `beds` simulated patients, for `seconds` of their time. */
function demoBlocks(beds: number, seconds: number, rate?: number): Array<Omit<WaveFrame, 'seq'> & { bed: number }> {
  const origin = Date.UTC(2026, 11, 3);
  const blocks: Array<Omit<WaveFrame, 'seq'> & { bed: number }> = [];
  for (let bed = 1; bed <= beds; bed++) {
    const patient = new SimulatedPatient(1000 + bed, bed === DETERIORATING_BED, origin);
    if (rate === undefined) {
      const source = new DemoWaveSource(2000 + bed, origin);
      for (let s = 0; s < seconds; s++) for (const f of source.next(patient.next(origin + s * 1000))) blocks.push({ ...f, bed });
    } else {
      // Every wave at one rate (the ingest target: 250 Hz).
      const waves = new SyntheticWaves(2000 + bed);
      for (let s = 0; s < seconds; s++) {
        const v = patient.next(origin + s * 1000);
        waves.follow(v.HR ?? 70, v.RR ?? 15, v.SPO2 ?? 97);
        for (const wave of WAVE_CODES) {
          const samples = new Int16Array(rate);
          waves.generate(wave, s, rate, samples, SCALES[wave]);
          blocks.push({ startTs: origin + s * 1000, wave, sampleRate: rate, scale: SCALES[wave], offset: 0, samples, bed });
        }
      }
    }
  }
  return blocks;
}

export interface CodecFigure {
  readonly name: string;
  readonly bytesPerSample: number;
  readonly microsPerBlock: number;
}

/** Payload bytes per sample and compression time per block of the candidate encodings, on demo waves. */
export function codecComparison(): CodecFigure[] {
  const blocks = demoBlocks(4, 300);
  const samples = blocks.reduce((n, b) => n + b.samples.length, 0);
  const bytes = (a: Int16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const codecs: Array<[string, (a: Int16Array) => Uint8Array]> = [
    ['raw int16 (no compression)', (a) => bytes(a)],
    ['deflate of raw int16', (a) => deflateRawSync(bytes(a))],
    ['first differences, varints, deflate', (a) => deflateRawSync(deltaVarints(a, 1))],
    ['second differences, varints, deflate (stored)', (a) => encodeWaveSamples(a)],
    ['second differences, varints, gzip', (a) => gzipSync(deltaVarints(a))],
    ['second differences, varints, brotli q5', (a) => brotliCompressSync(deltaVarints(a), { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })],
  ];
  return codecs.map(([name, encode]) => {
    let total = 0;
    const started = performance.now();
    for (const b of blocks) total += encode(b.samples).length;
    const micros = ((performance.now() - started) * 1000) / blocks.length;
    return { name, bytesPerSample: total / samples, microsPerBlock: micros };
  });
}

function waveTableBytes(db: Database): number {
  return (db.prepare("SELECT sum(pgsize) AS bytes FROM dbstat WHERE name = 'wave_blocks' OR name LIKE 'sqlite_autoindex_wave_blocks%' OR name LIKE 'wave_blocks_%'").get() as { bytes: number }).bytes;
}

export interface DiskFigure {
  readonly bytesPerBedHour: number;
  readonly bytesPerSample: number;
}

/**
 * Bytes on disk per bed-hour of the demo waves (ECG 250 Hz, pleth and resp 125 Hz, 1 s frames),
 * table and indexes together, measured with SQLite's dbstat after storing them the station's way:
 * as received (one row per frame, what the last two minutes look like), then merged into minute
 * segments by the writer's compaction (what full disclosure looks like). `VACUUM` between the two
 * so the second figure is the segments' own size, not pages the frames left free for later frames.
 */
export function diskPerBedHour(beds = 8, seconds = 900): { received: DiskFigure; segments: DiskFigure; samples: number } {
  const dir = tempDir('ward-bench-wave-disk-');
  const db = openDatabase(join(dir.path, 'waves.db'));
  const merged = new CompactedSeqs(db);
  const commit = waveBatchCommitter(db, merged);
  const blocks = demoBlocks(beds, seconds);
  const seqs = new Map<number, number>();
  for (let i = 0; i < blocks.length; i += 500) commit(encodedBatch(blocks.slice(i, i + 500), seqs));
  const samples = blocks.reduce((n, b) => n + b.samples.length, 0);
  const figure = (): DiskFigure => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = waveTableBytes(db);
    return { bytesPerBedHour: (bytes / (beds * seconds)) * 3600, bytesPerSample: bytes / samples };
  };
  const received = figure();
  new WaveCompaction(db, merged).run(Date.now() + 3600_000);
  db.exec('VACUUM');
  const segments = figure();
  db.close();
  dir.remove();
  return { received, segments, samples };
}

function encodedBatch(blocks: ReadonlyArray<Omit<WaveFrame, 'seq'> & { bed: number }>, seqs: Map<number, number>): EncodedWaveBatch {
  const nextSeq = (bed: number) => {
    const s = (seqs.get(bed) ?? 0) + 1;
    seqs.set(bed, s);
    return s;
  };
  return {
    receivedAt: Date.now(),
    deviceIds: blocks.map((b) => `bench-${b.bed}`),
    seqs: blocks.map((b) => nextSeq(b.bed)),
    waves: blocks.map((b) => b.wave),
    startTs: blocks.map((b) => b.startTs),
    sampleRates: blocks.map((b) => b.sampleRate),
    scales: blocks.map((b) => b.scale),
    offsets: blocks.map((b) => b.offset),
    bedIds: blocks.map((b) => `BB${b.bed}`),
    patientIds: blocks.map((b) => b.bed),
    samples: blocks.map((b) => b.samples),
  };
}

/**
 * The ceiling: raw better-sqlite3 inserting the same blocks, already compressed, into the same
 * table with the same pragmas (WAL, synchronous=FULL) in batched transactions: no network, no
 * parsing, no compression, no threads.
 */
export function rawWaveInsertCeiling(beds: number, rate: number, seconds = 60, batch = 192): { samplesPerSecond: number } {
  const dir = tempDir('ward-bench-wave-raw-');
  const db = openDatabase(join(dir.path, 'raw.db'));
  const insert = db.prepare(INSERT_WAVE_BLOCK);
  const blocks = demoBlocks(beds, seconds, rate);
  const encoded = blocks.map((b) => encodeWaveSamples(b.samples));
  const run = db.transaction((from: number) => {
    const now = Date.now();
    for (let i = from; i < Math.min(from + batch, blocks.length); i++) {
      const b = blocks[i]!;
      insert.run(`bench-${b.bed}`, i, b.wave, b.startTs, b.sampleRate, b.samples.length, b.scale, b.offset, now, `BB${b.bed}`, b.bed, WAVE_ENCODING_DELTA2_DEFLATE, encoded[i]);
    }
  });
  const started = performance.now();
  for (let i = 0; i < blocks.length; i += batch) run(i);
  const elapsed = (performance.now() - started) / 1000;
  db.close();
  dir.remove();
  return { samplesPerSecond: blocks.reduce((n, b) => n + b.samples.length, 0) / elapsed };
}

function procStats(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

export interface WaveIngestResult {
  readonly samplesPerSecond: number;
  readonly offeredSamplesPerSecond: number;
  readonly waveAckP50Ms: number;
  readonly waveAckP99Ms: number;
  readonly numericAckP99Ms: number;
  readonly gatewayCpuPercent: number;
  readonly gatewayPeakRssMb: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly bytesPerSample: number;
}

/**
 * Sustained wave ingest against the gateway as its own process: `beds` devices each send one
 * frame per wave per second (1 s of samples) and one numeric frame per second, in real time, over
 * real WebSockets. Then checks in SQLite that every block is stored exactly once.
 */
export async function gatewayWaves(opts: { beds: number; rate: number; seconds: number }): Promise<WaveIngestResult> {
  const dir = tempDir('ward-bench-waves-');
  const db = openDatabase(databasePath(dir.path));
  const { DeviceRegistry } = await import('../../gateway/storage/device-registry.js');
  const { WardRepository } = await import('../../gateway/storage/ward-repository.js');
  const registry = new DeviceRegistry(db);
  const ward = new WardRepository(db);
  const keys: string[] = [];
  for (let i = 1; i <= opts.beds; i++) {
    ward.addBed(`BB${i}`, `Bench ${i}`, 'bench');
    ward.admit({ bedId: `BB${i}`, mrn: `M${i}`, name: `Bench ${i}` }, 'bench');
    keys.push(registry.register({ id: `bench-${i}`, model: 'Bench', transport: 'websocket', bedId: `BB${i}` }, 'bench').key!);
  }
  db.close();
  // One second of demo waves per bed at the bench rate, replayed with fresh times.
  const template = demoBlocks(opts.beds, 1, opts.rate);

  const port = await freePort();
  const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(port), '--ui-port', '0', '--no-mllp', '--no-demo']);
  const pid = gateway.child.pid!;
  const clients = keys.map((key) => new DeviceClient({ url: `ws://127.0.0.1:${port}/devices`, key }));
  await Promise.all(clients.map((c) => c.connect()));
  for (const c of clients) {
    c.measure = true;
    c.waves.measure = true;
  }
  const before = procStats(pid);
  let peakRssMb = before.rssMb;
  const rssWatch = setInterval(() => (peakRssMb = Math.max(peakRssMb, procStats(pid).rssMb)), 100);
  const started = performance.now();
  let sentSamples = 0;
  // Beds are spread over the second, as real monitors are (each on its own clock).
  await new Promise<void>((resolve) => {
    const sent = new Array<number>(opts.beds).fill(0);
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= opts.seconds) {
        clearInterval(timer);
        resolve();
        return;
      }
      for (let b = 0; b < opts.beds; b++) {
        const due = Math.floor(elapsed + b / opts.beds);
        while (sent[b]! < due) {
          const startTs = Date.now() - 1000;
          for (const t of template.filter((x) => x.bed === b + 1)) {
            clients[b]!.sendWave({ ...t, startTs });
            sentSamples += t.samples.length;
          }
          clients[b]!.send({ HR: 72, SPO2: 97, RR: 16 }, Date.now());
          sent[b]!++;
        }
      }
    }, 5);
  });
  await Promise.all(clients.map((c) => c.waves.until(c.waves.lastAck + c.waves.pendingCount)));
  await Promise.all(clients.map((c) => c.acked(c.lastAck + c.pendingCount)));
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(rssWatch);
  const after = procStats(pid);
  const waveLatencies = clients.flatMap((c) => c.waves.latencies).sort((a, b) => a - b);
  const numericLatencies = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
  await Promise.all(clients.map((c) => c.close()));
  gateway.child.kill('SIGTERM');
  await gateway.exited;
  const check = new BetterSqlite3(databasePath(dir.path), { readonly: true });
  // Counted in samples: past two minutes the writer merges frames into segments (one row, many seqs).
  const stored = check.prepare('SELECT COALESCE(SUM(sample_count), 0) AS samples FROM wave_blocks').get() as { samples: number };
  const bytes = waveTableBytes(check);
  check.close();
  dir.remove();
  return {
    samplesPerSecond: sentSamples / elapsed,
    offeredSamplesPerSecond: opts.beds * 3 * opts.rate,
    waveAckP50Ms: percentile(waveLatencies, 50),
    waveAckP99Ms: percentile(waveLatencies, 99),
    numericAckP99Ms: percentile(numericLatencies, 99),
    gatewayCpuPercent: ((after.cpuSeconds - before.cpuSeconds) / elapsed) * 100,
    gatewayPeakRssMb: Math.max(peakRssMb, after.rssMb),
    lost: Math.max(0, sentSamples - stored.samples),
    duplicated: Math.max(0, stored.samples - sentSamples),
    bytesPerSample: bytes / sentSamples,
  };
}
