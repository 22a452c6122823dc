import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../storage/database.js';
import { silentLogger } from '../log.js';
import { waveBatchCommitter } from './wave-block-store.js';
import { WaveRetention } from './wave-retention.js';
import { tempDir } from '../../test/helpers/station-fixture.js';

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 11, 3, 12);

function commitBlocks(db: Database, receivedAt: number, count: number, firstSeq: number): void {
  const commit = waveBatchCommitter(db);
  const n = Array.from({ length: count }, (_, i) => i);
  commit({
    receivedAt,
    deviceIds: n.map(() => 'mon-1'),
    seqs: n.map((i) => firstSeq + i),
    waves: n.map(() => 'ECG_II'),
    startTs: n.map((i) => receivedAt - 1000 + i),
    sampleRates: n.map(() => 250),
    scales: n.map(() => 0.005),
    offsets: n.map(() => 0),
    bedIds: n.map(() => null),
    patientIds: n.map(() => null),
    samples: n.map(() => Int16Array.from({ length: 250 }, (_, k) => (k * 37) % 500)),
  });
}

const seqs = (db: Database) => (db.prepare('SELECT seq FROM wave_blocks ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);

describe('wave retention', () => {
  const dir = tempDir();
  let db: Database;
  afterEach(() => db?.close());
  afterAll(() => dir.remove());

  it('deletes exactly the blocks received before the window, and nothing inside it', () => {
    db = openDatabase(`${dir.path}/window.db`);
    commitBlocks(db, NOW - 80 * HOUR, 30, 1);
    commitBlocks(db, NOW - 73 * HOUR, 7, 31);
    commitBlocks(db, NOW - 71 * HOUR, 5, 38);
    commitBlocks(db, NOW - 1 * HOUR, 3, 43);
    const roomy = () => ({ bytes: 0, budgetBytes: 1 << 30, nearBudget: false });
    const retention = new WaveRetention(db, { waveRetentionHours: 72 }, roomy, silentLogger(), () => NOW);
    expect(retention.run()).toBe(37);
    expect(seqs(db)).toEqual([38, 39, 40, 41, 42, 43, 44, 45]);
    expect(retention.run()).toBe(0);
  });

  it('over 80 % of the budget, gives up the oldest blocks even inside the window, slice by slice, until under', () => {
    db = openDatabase(`${dir.path}/budget.db`);
    commitBlocks(db, NOW - 2 * HOUR, 16_000, 1);
    commitBlocks(db, NOW - 1 * HOUR, 100, 16_001);
    const left = () => (db.prepare('SELECT count(*) AS n FROM wave_blocks').get() as { n: number }).n;
    // One "byte" per block; 80 % of this budget is 10,100 blocks.
    const use = () => ({ bytes: left(), budgetBytes: 12_625, nearBudget: false });
    const retention = new WaveRetention(db, { waveRetentionHours: 72 }, use, silentLogger(), () => NOW);
    expect(retention.run()).toBe(10_000);
    expect(left()).toBe(6100);
    expect(seqs(db)[0]).toBe(10_001);
  });
});
