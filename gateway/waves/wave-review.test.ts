import type { Database } from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/station-fixture.js';
import { openDatabase } from '../storage/database.js';
import { waveBatchCommitter } from './wave-block-store.js';
import { CompactedSeqs, WaveCompaction } from './wave-compaction.js';
import { WaveQueries } from './wave-queries.js';
import { reviewWaves } from './wave-review.js';

const T0 = Date.UTC(2026, 11, 3, 8);

/** Sample k of second s of the test ECG: its value says where it belongs. */
const value = (s: number, k: number) => s * 300 + k;

function storeSeconds(db: Database, seconds: number[], commit = waveBatchCommitter(db)): void {
  for (const s of seconds) {
    commit({
      receivedAt: T0 + s * 1000 + 1000,
      deviceIds: ['mon-1'],
      seqs: [s + 1],
      waves: ['ECG_II'],
      startTs: [T0 + s * 1000],
      sampleRates: [250],
      scales: [0.005],
      offsets: [0],
      bedIds: ['B1'],
      patientIds: [7],
      samples: [Int16Array.from({ length: 250 }, (_, k) => value(s, k))],
    });
  }
}

describe('full-disclosure review reads', () => {
  const dir = tempDir();
  let db: Database;
  let n = 0;
  afterEach(() => db?.close());
  afterAll(() => dir.remove());

  for (const stored of ['as received', 'in minute segments'] as const) {
    it(`cuts the blocks to the window and starts a new stretch at a gap (${stored})`, () => {
      db = openDatabase(`${dir.path}/review-${++n}.db`);
      // 0..29 s, then a 2 s gap (30 and 31 never came), then 32..59 s.
      const seconds = Array.from({ length: 60 }, (_, s) => s).filter((s) => s !== 30 && s !== 31);
      storeSeconds(db, seconds);
      if (stored === 'in minute segments') new WaveCompaction(db, new CompactedSeqs(db)).run(T0 + 3600_000);

      const review = reviewWaves(new WaveQueries(db), 7, T0 + 25_500, T0 + 35_500);
      expect(Object.keys(review)).toEqual(['ECG_II']);
      const stretches = review.ECG_II!;
      expect(stretches.map((s) => [s.startTs - T0, s.samples.length])).toEqual([
        [25_500, 4.5 * 250],
        [32_000, 3.5 * 250],
      ]);
      // The samples are the stored ones, in order: second 25 from its 125th sample on.
      expect(stretches[0]!.samples.slice(0, 2)).toEqual([value(25, 125), value(25, 126)]);
      expect(stretches[0]!.samples.at(-1)).toBe(value(29, 249));
      expect(stretches[1]!.samples[0]).toBe(value(32, 0));
      expect(stretches[1]!.samples.at(-1)).toBe(value(35, 124));
      expect(reviewWaves(new WaveQueries(db), 8, T0, T0 + 10_000)).toEqual({});
    });
  }
});
