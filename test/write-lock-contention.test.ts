import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../gateway/storage/database.js';
import { WardRepository } from '../gateway/storage/ward-repository.js';
import { tempDir } from './helpers/station-fixture.js';

/**
 * Another connection (the writer thread, committing vitals) holds SQLite's write lock when a
 * ward change starts, and commits while the change waits for it. A transaction that read before
 * it asked for the lock then holds a stale snapshot and fails at once ("database is locked",
 * SQLITE_BUSY_SNAPSHOT) whatever the busy timeout; one that takes the lock first (IMMEDIATE)
 * waits and succeeds.
 */
const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const flags = new Int32Array(workerData.flags);
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (0, 'writer', 'vitals.commit', 'x', NULL)").run();
Atomics.store(flags, 0, 1);
parentPort.postMessage('locked');
// Until the main thread is about to start its change; then long enough for it to have taken its
// snapshot and be waiting for the lock. Shorter only lets the old code pass by luck, never fails the new.
while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0, 50);
Atomics.wait(flags, 2, 0, 300);
db.exec('COMMIT');
parentPort.postMessage('committed');
`;

describe('ward changes while the writer thread holds the write lock', () => {
  const cleanups: Array<() => void | Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function whileAnotherConnectionCommits(path: string, change: () => void): Promise<void> {
    const flags = new SharedArrayBuffer(12);
    const worker = new Worker(HOLDER, { eval: true, workerData: { path, flags } });
    cleanups.push(() => worker.terminate());
    const messages: string[] = [];
    const committed = new Promise<void>((resolve) => worker.on('message', (m: string) => (messages.push(m), m === 'committed' && resolve())));
    while (!messages.includes('locked')) await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    Atomics.store(new Int32Array(flags), 1, 1);
    Atomics.notify(new Int32Array(flags), 1);
    change();
    await committed;
  }

  it('admits, transfers and discharges instead of failing with "database is locked"', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const path = join(dir.path, 'station.db');
    const db = openDatabase(path);
    cleanups.push(() => void db.close());
    const ward = new WardRepository(db);
    ward.addBed('B1', 'Bed 1', 't');
    ward.addBed('B2', 'Bed 2', 't');

    await whileAnotherConnectionCommits(path, () => ward.admit({ bedId: 'B1', mrn: 'M1', name: 'Pat' }, 't'));
    await whileAnotherConnectionCommits(path, () => ward.transfer('B1', 'B2', 't'));
    await whileAnotherConnectionCommits(path, () => ward.dischargeFromBed('B2', 't'));
    expect(ward.beds().map((b) => b.patient)).toEqual([null, null]);
    expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'vitals.commit'").get()).toEqual({ n: 3 });
  });
});
