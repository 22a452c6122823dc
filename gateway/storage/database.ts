import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

/**
 * `FULL`: every commit is fsynced before an acknowledgement leaves the station, so an acked
 * sample survives a power cut. `NORMAL`: a process crash loses nothing committed, but a power
 * cut can roll back the last commits (already acked). Group commit keeps FULL affordable.
 */
export type SynchronousMode = 'FULL' | 'NORMAL';

export interface OpenDatabaseOptions {
  readonly synchronous?: SynchronousMode;
  readonly readonly?: boolean;
}

/**
 * Inside Electron the gateway runs on Electron's Node ABI; main passes the path of a
 * better-sqlite3 binary built for it, so the Node build in node_modules keeps serving tests.
 */
function nativeBinding(): string | undefined {
  return process.env.WARD_SQLITE_BINDING || undefined;
}

export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const binding = nativeBinding();
  const db = new BetterSqlite3(path, {
    readonly: options.readonly ?? false,
    ...(binding ? { nativeBinding: binding } : {}),
  });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // Readers (UI trends, CLI) wait instead of failing while the writer commits.
  db.pragma('busy_timeout = 5000');
  // Checkpoints are cheap at this size and keep the WAL file from growing without bound.
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('cache_size = -32000');
  if (!options.readonly) migrate(db, MIGRATIONS);
  return db;
}
