import BetterSqlite3 from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';
import { runningStation } from './station-lock.js';

export class BackupError extends Error {
  constructor(
    readonly code: 'BACKUP_INVALID' | 'STATION_RUNNING' | 'BACKUP_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export interface BackupInfo {
  readonly file: string;
  readonly bytes: number;
  readonly observations: number;
  readonly lastObservationId: number | null;
}

/** Tables every station database has; a file without them is not a station backup. */
const REQUIRED_TABLES = ['schema_migrations', 'beds', 'devices', 'patients', 'observations', 'observation_values', 'audit_log'];
const COUNT_OBSERVATIONS = 'SELECT count(*) AS n, max(id) AS last FROM observations';

function nativeBinding(): { nativeBinding?: string } {
  return process.env.WARD_SQLITE_BINDING ? { nativeBinding: process.env.WARD_SQLITE_BINDING } : {};
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * An online, consistent copy of the station database through SQLite's backup API, safe while the
 * station runs. All pages are copied in one step: one read transaction, so the copy is the
 * database as of one instant (WAL lets the writer go on meanwhile; a step-by-step copy would
 * restart each time the writer commits). Written under a temporary name, made self-contained
 * (no WAL beside it), checked, fsynced, then renamed: a backup file is whole or absent.
 */
export async function backupDatabase(source: string, target: string): Promise<BackupInfo> {
  if (!existsSync(source)) throw new BackupError('BACKUP_FAILED', `no station database at ${source}`);
  if (!existsSync(dirname(target))) throw new BackupError('BACKUP_FAILED', `folder ${dirname(target)} does not exist`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true, ...nativeBinding() });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new BetterSqlite3(partial, nativeBinding());
  let counts: { n: number; last: number | null };
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError('BACKUP_FAILED', `the copy failed its check: ${String(check)}`);
    counts = copy.prepare(COUNT_OBSERVATIONS).get() as { n: number; last: number | null };
  } finally {
    copy.close();
  }
  fsyncFile(partial);
  renameSync(partial, target);
  return { file: target, bytes: statSync(target).size, observations: counts.n, lastObservationId: counts.last };
}

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Checks that a file is a usable station backup before anything is replaced: a SQLite database
 * that passes integrity_check, has the station's tables, and whose migrations this version
 * knows unchanged (a backup from a newer version would not open after the restore).
 */
export function checkBackup(file: string): BackupInfo {
  if (!existsSync(file)) throw new BackupError('BACKUP_INVALID', `${file} does not exist`);
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, ...nativeBinding() });
  } catch (error) {
    throw new BackupError('BACKUP_INVALID', `${file} cannot be opened: ${(error as Error).message}`);
  }
  try {
    let integrity: unknown;
    try {
      integrity = db.pragma('integrity_check', { simple: true });
    } catch (error) {
      throw new BackupError('BACKUP_INVALID', `${file} is not a station database: ${(error as Error).message}`);
    }
    if (integrity !== 'ok') throw new BackupError('BACKUP_INVALID', `${file} is damaged: ${String(integrity)}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) throw new BackupError('BACKUP_INVALID', `${file} is not a station database (missing ${missing.join(', ')})`);
    const known = new Map(MIGRATIONS.map((m) => [m.id, m]));
    for (const row of db.prepare('SELECT id, name, checksum FROM schema_migrations').all() as Array<{ id: number; name: string; checksum: string }>) {
      const migration = known.get(row.id);
      if (!migration) throw new BackupError('BACKUP_INVALID', `${file} was written by a newer station (migration ${row.id} ${row.name})`);
      if (checksum(migration.sql) !== row.checksum) throw new BackupError('BACKUP_INVALID', `${file} has migration ${row.id} in a form this station does not know`);
    }
    const counts = db.prepare(COUNT_OBSERVATIONS).get() as { n: number; last: number | null };
    return { file, bytes: statSync(file).size, observations: counts.n, lastObservationId: counts.last };
  } finally {
    db.close();
  }
}

/**
 * Replaces the station database with a checked backup. Refuses while a station runs on the
 * folder. The database it replaces is kept beside it (`station.db.before-restore-TIME`, with its
 * WAL), so a restore of the wrong file is itself undone by renaming.
 */
export function restoreDatabase(dataDir: string, from: string, now = new Date()): { restored: BackupInfo; previous: string | null } {
  const pid = runningStation(dataDir);
  if (pid !== null) throw new BackupError('STATION_RUNNING', `the station (pid ${pid}) is running on ${dataDir}; stop it first`);
  const restored = checkBackup(from);
  const database = join(dataDir, 'station.db');
  const incoming = `${database}.restoring`;
  copyFileSync(from, incoming);
  fsyncFile(incoming);
  let previous: string | null = null;
  if (existsSync(database)) {
    previous = `${database}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(`${database}${suffix}`)) renameSync(`${database}${suffix}`, `${previous}${suffix}`);
    }
  }
  renameSync(incoming, database);
  return { restored: { ...restored, file: database }, previous };
}
