import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { RetentionJob } from './retention.js';
import { RetentionSchedule } from './retention-schedule.js';
import { WriterThread } from './storage-threads.js';
import { createLogger, silentLogger } from '../log.js';
import { waveBatchCommitter } from '../waves/wave-block-store.js';
import { tempDir } from '../../test/helpers/station-fixture.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const NOW = Date.UTC(2026, 10, 24);
const OPTIONS = { hotWindowHours: 72, diskBudgetMb: 1024, waveRetentionHours: 72 };

/** A station file with 10 observations, 6 older than the hot window, 4 of those in the cloud. */
function stationWithOldSyncedRows(): string {
  const dir = tempDir('ward-retention-');
  cleanups.push(() => dir.remove());
  const path = join(dir.path, 'station.db');
  const db = openDatabase(path);
  const insert = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at) VALUES (?, ?, ?, ?)');
  const value = db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, 70)');
  for (let i = 1; i <= 10; i++) value.run(insert.run('d', i, i <= 6 ? NOW - 100 * 3600_000 : NOW, NOW).lastInsertRowid);
  db.prepare("INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES ('observations', 4, ?)").run(NOW);
  db.close();
  return path;
}

describe('retention while another connection holds the write lock (the writer thread mid-commit)', () => {
  it('on the main connection, the pass blocks the event loop and then fails: the old way', () => {
    const path = stationWithOldSyncedRows();
    const main = openDatabase(path);
    const committing = openDatabase(path);
    cleanups.push(() => void main.close(), () => void committing.close());
    committing.prepare('BEGIN IMMEDIATE').run();
    // Synchronous: nothing else on this thread runs until SQLite's busy timeout gives up.
    expect(() => new RetentionJob(main, OPTIONS, silentLogger(), () => NOW).run()).toThrow(/locked|busy/i);
    committing.prepare('ROLLBACK').run();
  });

  it('on the writer thread, the pass waits its turn while the event loop goes on, then deletes', async () => {
    const path = stationWithOldSyncedRows();
    const main = openDatabase(path);
    const committing = openDatabase(path);
    cleanups.push(() => void main.close(), () => void committing.close());
    const writer = new WriterThread(path, 'FULL');
    await writer.open();
    cleanups.push(() => writer.close());
    const schedule = new RetentionSchedule(writer, main, OPTIONS, silentLogger());

    committing.prepare('BEGIN IMMEDIATE').run();
    let done = false;
    const pass = schedule.runOnce(NOW).then((p) => {
      done = true;
      return p;
    });
    // The event loop is free: this turn runs while the pass waits for the lock.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    committing.prepare('COMMIT').run();
    const result = await pass;
    expect(result?.deleted).toBe(4);
    expect(schedule.lastUse?.budgetBytes).toBe(1024 * 1024 * 1024);
    const left = main.prepare('SELECT seq FROM observations ORDER BY seq').all().map((r) => (r as { seq: number }).seq);
    expect(left).toEqual([5, 6, 7, 8, 9, 10]);
  });
});

describe('wave compaction on the writer thread', () => {
  it('a compaction that fails is said in the log at the next retention pass, not swallowed', async () => {
    const dir = tempDir('ward-compaction-failure-');
    cleanups.push(() => dir.remove());
    const path = join(dir.path, 'station.db');
    // Two consecutive 1 s ECG frames received ten minutes ago (old enough to merge); the first's
    // samples damaged on disk, so merging them fails.
    const db = openDatabase(path);
    const received = Date.now() - 600_000;
    const commit = waveBatchCommitter(db);
    for (const seq of [1, 2]) {
      commit({
        receivedAt: received, deviceIds: ['mon-1'], seqs: [seq], waves: ['ECG_II'], startTs: [received - 3000 + seq * 1000],
        sampleRates: [250], scales: [0.005], offsets: [0], bedIds: ['B1'], patientIds: [7], samples: [new Int16Array(250).fill(seq)],
      });
    }
    db.prepare('UPDATE wave_blocks SET samples = ? WHERE seq = 1').run(Buffer.from('not deflate at all'));
    db.close();

    const lines: string[] = [];
    const logger = createLogger('info', 'json', { write: (line: string) => void lines.push(line) });
    const main = openDatabase(path);
    cleanups.push(() => void main.close());
    const writer = new WriterThread(path, 'FULL');
    await writer.open();
    cleanups.push(() => writer.close());
    const schedule = new RetentionSchedule(writer, main, OPTIONS, logger);
    // The writer tries at once after opening, then every 15 s: wait for the pass that reports it.
    await expect.poll(async () => (await schedule.runOnce())?.compaction.failures ?? 0, { timeout: 40_000, interval: 200 }).toBeGreaterThan(0);
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; failures?: number; err?: string }).find((l) => l.msg.startsWith('wave compaction failed'));
    expect(logged).toMatchObject({ level: 40, failures: 1 });
    expect(logged?.err).toMatch(/header|inflate|invalid/i);
    // Both frames are still there, as received: nothing half-merged.
    expect(main.prepare('SELECT count(*) FROM wave_blocks').pluck().get()).toBe(2);
  });
});
