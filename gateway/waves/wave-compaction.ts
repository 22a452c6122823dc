import type { Database, Statement } from 'better-sqlite3';
import { decodeWaveSamples, encodeWaveSamples, WAVE_ENCODING_DELTA2_DEFLATE } from './wave-codec.js';
import { continuesWithinOneSample } from './wave-continuity.js';

/** The longest segment: a minute of one wave. */
export const WAVE_SEGMENT_SECONDS = 60;
/**
 * Frames younger than this stay as received: a device that lost an ack resends them within
 * seconds, and the unique (device, seq) index recognises them while their rows exist.
 */
export const COMPACT_AFTER_SECONDS = 120;
/** Rows planned at once: bounds the memory and the time of one look at the table. */
const WINDOW_IDS = 5000;

/**
 * The highest seq of each device merged into a segment (table `wave_compaction`), cached. A frame
 * at or below it is a resend of one already stored: its own row is gone, so the unique index can
 * no longer say so. Used on the writer's connection only, which is the only one that merges.
 */
export class CompactedSeqs {
  private readonly cache = new Map<string, number>();
  private readonly select: Statement;
  private readonly upsert: Statement;

  constructor(db: Database) {
    this.select = db.prepare('SELECT last_seq FROM wave_compaction WHERE device_id = ?').pluck();
    this.upsert = db.prepare(
      'INSERT INTO wave_compaction (device_id, last_seq) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)',
    );
  }

  highest(deviceId: string): number {
    let seq = this.cache.get(deviceId);
    if (seq === undefined) {
      seq = (this.select.get(deviceId) as number | undefined) ?? 0;
      this.cache.set(deviceId, seq);
    }
    return seq;
  }

  /** Inside the merging transaction; `remember` after it commits. */
  write(deviceId: string, seq: number): void {
    this.upsert.run(deviceId, seq);
  }

  remember(deviceId: string, seq: number): void {
    this.cache.set(deviceId, Math.max(this.highest(deviceId), seq));
  }
}

interface FrameRow {
  id: number;
  deviceId: string;
  seq: number;
  wave: string;
  startTs: number;
  sampleRate: number;
  sampleCount: number;
  scale: number;
  offset: number;
  receivedAt: number;
  bedId: string | null;
  patientId: number | null;
  encoding: number;
}

const SELECT_MARK = 'SELECT compacted_to_id FROM wave_compaction_mark WHERE id = 1';
const UPDATE_MARK = 'UPDATE wave_compaction_mark SET compacted_to_id = ? WHERE id = 1';
const SELECT_RECEIVED_AT_FROM = 'SELECT id, received_at AS receivedAt FROM wave_blocks WHERE id >= ? ORDER BY id LIMIT 1';
const SELECT_MAX_ID = 'SELECT max(id) FROM wave_blocks';
const SELECT_FRAMES = `SELECT id, device_id AS deviceId, seq, wave, start_ts AS startTs, sample_rate AS sampleRate, sample_count AS sampleCount,
  scale, value_offset AS "offset", received_at AS receivedAt, bed_id AS bedId, patient_id AS patientId, encoding
FROM wave_blocks WHERE id > ? AND id <= ? AND last_seq IS NULL ORDER BY device_id, wave, seq`;
const SELECT_SAMPLES = 'SELECT samples FROM wave_blocks WHERE id = ?';
const DELETE_FRAME = 'DELETE FROM wave_blocks WHERE id = ? AND last_seq IS NULL';
const INSERT_SEGMENT = `INSERT INTO wave_blocks
  (id, device_id, seq, last_seq, wave, start_ts, sample_rate, sample_count, scale, value_offset, received_at, bed_id, patient_id, encoding, samples)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Whether `next` continues `run` in one segment: same wave, settings and filing, no gap in time, at most a minute. */
function continues(run: FrameRow[], samples: number, next: FrameRow): boolean {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  if (next.deviceId !== first.deviceId || next.wave !== first.wave || next.seq <= last.seq) return false;
  if (next.sampleRate !== first.sampleRate || next.scale !== first.scale || next.offset !== first.offset || next.encoding !== first.encoding) return false;
  if (next.bedId !== first.bedId || next.patientId !== first.patientId) return false;
  if (samples + next.sampleCount > WAVE_SEGMENT_SECONDS * first.sampleRate) return false;
  return continuesWithinOneSample(first.startTs, samples, first.sampleRate, next.startTs);
}

/**
 * Merges each device's consecutive frames of a wave, received more than two minutes ago, into
 * segments of up to a minute. The segment takes the id and `received_at` of its first frame, so
 * ids still grow with `received_at` (wave retention's binary search relies on it), and its
 * samples are exactly the frames' samples, one after the other: only frames that follow each other
 * in time within a sample period are merged, so a gap stays a gap. Each segment is one transaction
 * (its frames deleted, it inserted, the device's merged seq raised): a crash leaves either the
 * frames or the segment, never both or neither.
 */
export class WaveCompaction {
  private plan: FrameRow[][] = [];
  private planTo = 0;
  private readonly selectMark: Statement;
  private readonly updateMark: Statement;
  private readonly receivedAtFrom: Statement;
  private readonly maxId: Statement;
  private readonly selectFrames: Statement;
  private readonly selectSamples: Statement;
  private readonly deleteFrame: Statement;
  private readonly insertSegment: Statement;

  constructor(
    private readonly db: Database,
    private readonly seqs: CompactedSeqs,
    private readonly afterSeconds = COMPACT_AFTER_SECONDS,
  ) {
    this.selectMark = db.prepare(SELECT_MARK).pluck();
    this.updateMark = db.prepare(UPDATE_MARK);
    this.receivedAtFrom = db.prepare(SELECT_RECEIVED_AT_FROM);
    this.maxId = db.prepare(SELECT_MAX_ID).pluck();
    this.selectFrames = db.prepare(SELECT_FRAMES);
    this.selectSamples = db.prepare(SELECT_SAMPLES).pluck();
    this.deleteFrame = db.prepare(DELETE_FRAME);
    this.insertSegment = db.prepare(INSERT_SEGMENT);
  }

  /**
   * Does at most `maxSteps` steps, a step being one segment written or one window of frames
   * planned (so the writer thread takes turns with its commits, even over a long stretch of
   * frames with nothing to merge); `done` when every frame old enough has been looked at.
   */
  run(now: number, maxSteps = Number.POSITIVE_INFINITY): { segments: number; frames: number; done: boolean } {
    let segments = 0;
    let frames = 0;
    for (let steps = 0; steps < maxSteps; steps++) {
      const run = this.plan.shift();
      if (run) {
        frames += this.merge(run);
        segments++;
        continue;
      }
      if (this.planTo > 0) {
        this.updateMark.run(this.planTo);
        this.planTo = 0;
      }
      if (!this.planNextWindow(now)) return { segments, frames, done: true };
    }
    return { segments, frames, done: false };
  }

  /** Plans the runs of the next window of frames old enough; false when there is none. */
  private planNextWindow(now: number): boolean {
    const mark = this.selectMark.get() as number;
    const last = this.lastIdReceivedBefore(mark, now - this.afterSeconds * 1000);
    if (last === null) return false;
    const to = Math.min(last, mark + WINDOW_IDS);
    const rows = this.selectFrames.all(mark, to) as FrameRow[];
    const runs: FrameRow[][] = [];
    let run: FrameRow[] = [];
    let samples = 0;
    for (const row of rows) {
      if (run.length > 0 && continues(run, samples, row)) {
        run.push(row);
        samples += row.sampleCount;
        continue;
      }
      if (run.length > 1) runs.push(run);
      run = [row];
      samples = row.sampleCount;
    }
    if (run.length > 1) runs.push(run);
    this.plan = runs;
    this.planTo = to;
    return true;
  }

  /** The largest id after `after` whose row was received before `before`, or null. */
  private lastIdReceivedBefore(after: number, before: number): number | null {
    const first = this.receivedAtFrom.get(after + 1) as { id: number; receivedAt: number } | undefined;
    if (!first || first.receivedAt >= before) return null;
    let lo = first.id;
    let hi = this.maxId.get() as number;
    // Invariant: the row at or after lo was received before the cut.
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      const row = this.receivedAtFrom.get(mid) as { receivedAt: number };
      if (row.receivedAt < before) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** One segment from one run; returns the frames merged (0 if the run changed meanwhile). */
  private merge(run: FrameRow[]): number {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const total = run.reduce((n, row) => n + row.sampleCount, 0);
    const samples = new Int16Array(total);
    let at = 0;
    for (const row of run) {
      const blob = this.selectSamples.get(row.id) as Buffer | undefined;
      // Gone since the plan (retention over the budget): leave the rest for the next pass.
      if (!blob || row.encoding !== WAVE_ENCODING_DELTA2_DEFLATE) return 0;
      samples.set(decodeWaveSamples(blob, row.sampleCount), at);
      at += row.sampleCount;
    }
    const encoded = encodeWaveSamples(samples);
    const merged = this.db.transaction(() => {
      for (const row of run) {
        if (this.deleteFrame.run(row.id).changes !== 1) throw new RunChanged();
      }
      this.insertSegment.run(
        first.id,
        first.deviceId,
        first.seq,
        last.seq,
        first.wave,
        first.startTs,
        first.sampleRate,
        total,
        first.scale,
        first.offset,
        first.receivedAt,
        first.bedId,
        first.patientId,
        WAVE_ENCODING_DELTA2_DEFLATE,
        encoded,
      );
      this.seqs.write(first.deviceId, last.seq);
    });
    try {
      merged();
    } catch (error) {
      if (error instanceof RunChanged) return 0;
      throw error;
    }
    this.seqs.remember(first.deviceId, last.seq);
    return run.length;
  }
}

class RunChanged extends Error {}
