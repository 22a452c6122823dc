import type { Database } from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/station-fixture.js';
import { silentLogger } from '../log.js';
import type { WaveCode } from '../protocol/wave-frames.js';
import { openDatabase } from '../storage/database.js';
import { waveBatchCommitter } from './wave-block-store.js';
import { CompactedSeqs, COMPACT_AFTER_SECONDS, WaveCompaction } from './wave-compaction.js';
import { lastWaveSeq, WaveQueries } from './wave-queries.js';
import { WaveRetention } from './wave-retention.js';

const T0 = Date.UTC(2026, 11, 3, 8);
const LATER = T0 + 3600_000;

interface Frame {
  device?: string;
  seq: number;
  wave?: WaveCode;
  startTs: number;
  rate?: number;
  count?: number;
  scale?: number;
  patientId?: number | null;
  receivedAt?: number;
}

/** Samples that differ frame to frame, so a wrong order or a lost frame shows. */
function samplesOf(seq: number, count: number): Int16Array {
  return Int16Array.from({ length: count }, (_, k) => Math.round(800 * Math.sin((seq * count + k) / 9)) + (k % 7));
}

function store(db: Database, frames: Frame[], commit = waveBatchCommitter(db)): number[] {
  const ids: number[] = [];
  for (const f of frames) {
    const count = f.count ?? 250;
    ids.push(
      ...commit({
        receivedAt: f.receivedAt ?? f.startTs + 1000,
        deviceIds: [f.device ?? 'mon-1'],
        seqs: [f.seq],
        waves: [f.wave ?? 'ECG_II'],
        startTs: [f.startTs],
        sampleRates: [f.rate ?? 250],
        scales: [f.scale ?? 0.005],
        offsets: [0],
        bedIds: ['B1'],
        patientIds: [f.patientId === undefined ? 7 : f.patientId],
        samples: [samplesOf(f.seq, count)],
      }).ids,
    );
  }
  return ids;
}

/** `seconds` 1 s frames of ECG, pleth and resp interleaved (one device seq for all three). */
function monitorSeconds(seconds: number, firstSeq = 1, from = T0): Frame[] {
  const frames: Frame[] = [];
  let seq = firstSeq;
  for (let s = 0; s < seconds; s++) {
    frames.push({ seq: seq++, wave: 'ECG_II', startTs: from + s * 1000, rate: 250, count: 250 });
    frames.push({ seq: seq++, wave: 'PLETH', startTs: from + s * 1000, rate: 125, count: 125 });
    frames.push({ seq: seq++, wave: 'RESP', startTs: from + s * 1000, rate: 125, count: 125 });
  }
  return frames;
}

const rows = (db: Database) =>
  db.prepare('SELECT id, seq, last_seq AS lastSeq, wave, start_ts AS startTs, sample_count AS sampleCount, received_at AS receivedAt FROM wave_blocks ORDER BY id').all() as Array<{
    id: number;
    seq: number;
    lastSeq: number | null;
    wave: string;
    startTs: number;
    sampleCount: number;
    receivedAt: number;
  }>;

/** Every sample of a wave of a device, in seq order, as the frames carried them. */
const sentSamples = (frames: Frame[], wave: WaveCode) => frames.filter((f) => (f.wave ?? 'ECG_II') === wave).flatMap((f) => [...samplesOf(f.seq, f.count ?? 250)]);

describe('wave compaction: full disclosure in minute segments', () => {
  const dir = tempDir();
  let db: Database;
  let n = 0;
  const open = () => (db = openDatabase(`${dir.path}/waves-${++n}.db`));
  afterEach(() => db?.close());
  afterAll(() => dir.remove());

  it('merges a device\'s consecutive frames of each wave into segments of at most a minute, samples unchanged', () => {
    open();
    const frames = monitorSeconds(150);
    store(db, frames);
    const compaction = new WaveCompaction(db, new CompactedSeqs(db));
    expect(compaction.run(LATER)).toMatchObject({ segments: 9, frames: 450, done: true });

    const stored = rows(db);
    // 150 s of three waves: 60 + 60 + 30 s each.
    // Each segment holds its first frame's id: by id, the three waves' first minutes, then their second...
    expect(stored.map((r) => [r.wave, r.startTs - T0, r.sampleCount])).toEqual(
      [0, 60_000, 120_000].flatMap((start) => {
        const seconds = start === 120_000 ? 30 : 60;
        return [
          ['ECG_II', start, seconds * 250],
          ['PLETH', start, seconds * 125],
          ['RESP', start, seconds * 125],
        ];
      }),
    );
    // Ids still grow with the time of receipt (wave retention's binary search relies on it).
    const byId = stored.map((r) => r.receivedAt);
    expect([...byId].sort((a, b) => a - b)).toEqual(byId);

    const queries = new WaveQueries(db);
    for (const wave of ['ECG_II', 'PLETH', 'RESP'] as const) {
      const blocks = queries.deviceBlocks('mon-1').filter((b) => b.wave === wave);
      expect(blocks.flatMap((b) => [...b.samples])).toEqual(sentSamples(frames, wave));
    }
    // A review read from inside a segment finds it.
    const inside = queries.patientBlocks(7, 'ECG_II', T0 + 90_000, T0 + 91_000);
    expect(inside.map((b) => b.startTs - T0)).toEqual([60_000]);
    expect(lastWaveSeq(db, 'mon-1')).toBe(450);
  });

  it('keeps gaps as gaps and never merges across a change of scale, rate or patient', () => {
    open();
    const frames: Frame[] = [
      { seq: 1, startTs: T0 },
      { seq: 2, startTs: T0 + 1000 },
      // a second lost on the network: T0 + 2000 never came
      { seq: 3, startTs: T0 + 3000 },
      { seq: 4, startTs: T0 + 4000 },
      { seq: 5, startTs: T0 + 5000, scale: 0.01 },
      { seq: 6, startTs: T0 + 6000, scale: 0.01 },
      { seq: 7, startTs: T0 + 7000, scale: 0.01, patientId: 8 },
      { seq: 8, startTs: T0 + 8000, scale: 0.01, patientId: 8 },
      // a frame a third of a sample late still continues the segment
      { seq: 9, startTs: T0 + 9001, scale: 0.01, patientId: 8 },
    ];
    store(db, frames);
    new WaveCompaction(db, new CompactedSeqs(db)).run(LATER);
    expect(rows(db).map((r) => [r.seq, r.lastSeq, r.startTs - T0, r.sampleCount])).toEqual([
      [1, 2, 0, 500],
      [3, 4, 3000, 500],
      [5, 6, 5000, 500],
      [7, 9, 7000, 750],
    ]);
  });

  it('leaves frames younger than two minutes as received', () => {
    open();
    const now = T0 + 200_000;
    const frames = monitorSeconds(200);
    store(db, frames);
    new WaveCompaction(db, new CompactedSeqs(db)).run(now);
    const young = rows(db).filter((r) => r.lastSeq === null);
    expect(young.length).toBeGreaterThan(0);
    for (const r of young) expect(r.receivedAt).toBeGreaterThanOrEqual(now - COMPACT_AFTER_SECONDS * 1000 - 1000);
    expect(rows(db).filter((r) => r.lastSeq !== null).every((r) => r.receivedAt < now - COMPACT_AFTER_SECONDS * 1000)).toBe(true);
  });

  it('a resend of a frame already merged is a duplicate, and the device\'s next frames are stored', () => {
    open();
    // One CompactedSeqs for the committer and the compaction, as on the writer thread.
    const merged = new CompactedSeqs(db);
    const commit = waveBatchCommitter(db, merged);
    const frames = monitorSeconds(10);
    store(db, frames, commit);
    new WaveCompaction(db, merged).run(LATER);
    expect(rows(db)).toHaveLength(3);
    // The ack of seq 20..30 was lost; the device resends them an hour later, then goes on.
    const resent = frames.filter((f) => f.seq >= 20);
    expect(store(db, resent, commit)).toEqual(resent.map(() => 0));
    // Also through a committer that starts afresh (the station restarted): the table says so.
    expect(store(db, [frames[3]!])).toEqual([0]);
    expect(store(db, monitorSeconds(1, 31, T0 + 10_000), commit).every((id) => id > 0)).toBe(true);
    expect(rows(db)).toHaveLength(6);
    expect(lastWaveSeq(db, 'mon-1')).toBe(33);
  });

  it('works in turns and resumes after a restart without merging anything twice', () => {
    open();
    const frames = [...monitorSeconds(130), ...monitorSeconds(130, 1, T0).map((f) => ({ ...f, device: 'mon-2' }))];
    store(db, frames);
    let turns = 0;
    let compaction = new WaveCompaction(db, new CompactedSeqs(db));
    for (;;) {
      turns++;
      const { segments, done } = compaction.run(LATER, 2);
      expect(segments).toBeLessThanOrEqual(2);
      if (done) break;
      // A restart midway: a new compaction on the same file carries on from its mark.
      if (turns === 3) compaction = new WaveCompaction(db, new CompactedSeqs(db));
    }
    expect(turns).toBeGreaterThan(5);
    const stored = rows(db);
    expect(stored.every((r) => r.lastSeq !== null)).toBe(true);
    expect(stored.reduce((s, r) => s + r.sampleCount, 0)).toBe(frames.reduce((s, f) => s + (f.count ?? 250), 0));
    expect(new WaveCompaction(db, new CompactedSeqs(db)).run(LATER)).toMatchObject({ segments: 0, done: true });
    for (const device of ['mon-1', 'mon-2']) {
      const blocks = new WaveQueries(db).deviceBlocks(device).filter((b) => b.wave === 'PLETH');
      expect(blocks.flatMap((b) => [...b.samples])).toEqual(sentSamples(frames.filter((f) => (f.device ?? 'mon-1') === device), 'PLETH'));
    }
  });

  it('takes turns over a long stretch with nothing to merge, instead of reading it all at once', () => {
    open();
    // 12,000 frames a second apart but each covering half a second: gaps everywhere, no run.
    const commit = waveBatchCommitter(db);
    store(db, Array.from({ length: 12_000 }, (_, i) => ({ seq: i + 1, startTs: T0 + i * 1000, count: 125 })), commit);
    const compaction = new WaveCompaction(db, new CompactedSeqs(db));
    const turns: Array<{ segments: number; done: boolean }> = [];
    for (let done = false; !done; ) {
      const turn = compaction.run(T0 + 24 * 3600_000, 1);
      turns.push({ segments: turn.segments, done: turn.done });
      done = turn.done;
    }
    // One window of frames planned per turn (5,000 ids), then the last look finds nothing more.
    expect(turns).toEqual([
      { segments: 0, done: false },
      { segments: 0, done: false },
      { segments: 0, done: false },
      { segments: 0, done: true },
    ]);
    expect(rows(db)).toHaveLength(12_000);
  });

  it('retention keeps every segment that reaches into the window', () => {
    open();
    const HOUR = 3600_000;
    const start = T0 - 72 * HOUR - 30_000;
    // 90 s of frames received from 72 h 30 s ago: the first minute's segment ends inside the window.
    store(db, monitorSeconds(90, 1, start).map((f) => ({ ...f, receivedAt: f.startTs + 1000 })));
    new WaveCompaction(db, new CompactedSeqs(db)).run(T0);
    expect(rows(db)).toHaveLength(6);
    const roomy = () => ({ bytes: 0, budgetBytes: 1e12, nearBudget: false, overBudget: false });
    new WaveRetention(db, { waveRetentionHours: 72 }, roomy as never, silentLogger(), () => T0).run();
    expect(rows(db)).toHaveLength(6);
    new WaveRetention(db, { waveRetentionHours: 72 }, roomy as never, silentLogger(), () => T0 + 61_000).run();
    expect(rows(db).map((r) => r.startTs - start)).toEqual([60_000, 60_000, 60_000]);
  });
});
