import { createHash } from 'node:crypto';
import type { Sql } from './sql.js';
import { migrationSql, type Migration, type StorageMode } from './migration.js';

/** One lock id for "the cloud schema": replicas starting together take turns. */
export const MIGRATION_LOCK_ID = 7_400_2575;

export class MigrationHistoryError extends Error {
  readonly code = 'migration_history_mismatch';
}

export interface MigrationOutcome {
  readonly mode: StorageMode;
  readonly applied: number[];
}

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  storage_mode text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Decides the storage mode on a database that has none yet: TimescaleDB when the extension can be
 * created (it must be in shared_preload_libraries), the native mode otherwise or when forced.
 */
async function chooseMode(sql: Sql, wanted: StorageMode | 'auto'): Promise<StorageMode> {
  if (wanted === 'native') return 'native';
  const [available] = await sql`SELECT 1 AS yes FROM pg_available_extensions WHERE name = 'timescaledb'`;
  if (!available) {
    if (wanted === 'timescaledb') throw new Error('CLOUD_STORAGE_MODE=timescaledb but the server has no timescaledb extension');
    return 'native';
  }
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS timescaledb`;
    return 'timescaledb';
  } catch (error) {
    if (wanted === 'timescaledb') throw error;
    return 'native';
  }
}

/**
 * Applies the migrations not yet applied, each in its own transaction, under a session advisory
 * lock so that replicas starting at once cannot race. Refuses to run when the recorded history
 * disagrees with the files (an edited or unknown migration): starting anyway could damage data.
 * The storage mode is chosen once and then read back from the history.
 */
export async function migrate(sql: Sql, migrations: readonly Migration[], wanted: StorageMode | 'auto' = 'auto'): Promise<MigrationOutcome> {
  const connection = await sql.reserve();
  try {
    await connection`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await connection.unsafe(CREATE_HISTORY);
      const applied = await connection<Array<{ id: number; name: string; checksum: string; storage_mode: StorageMode }>>`
        SELECT id, name, checksum, storage_mode FROM schema_migrations ORDER BY id`;
      const mode = applied[0]?.storage_mode ?? (await chooseMode(sql, wanted));
      if (wanted !== 'auto' && wanted !== mode) {
        throw new MigrationHistoryError(`the database was set up in ${mode} mode; CLOUD_STORAGE_MODE=${wanted} cannot change that`);
      }
      const byId = new Map(migrations.map((m) => [m.id, m]));
      for (const row of applied) {
        const known = byId.get(row.id);
        if (!known) throw new MigrationHistoryError(`database has migration ${row.id} (${row.name}) that this service does not know; was it written by a newer version?`);
        if (checksum(migrationSql(known, mode)) !== row.checksum) throw new MigrationHistoryError(`migration ${row.id} (${row.name}) was changed after it was applied`);
      }
      const done = new Set(applied.map((r) => r.id));
      const newlyApplied: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
        if (done.has(migration.id)) continue;
        const text = migrationSql(migration, mode);
        await connection.unsafe('BEGIN');
        try {
          await connection.unsafe(text);
          await connection`INSERT INTO schema_migrations (id, name, checksum, storage_mode)
            VALUES (${migration.id}, ${migration.name}, ${checksum(text)}, ${mode})`;
          await connection.unsafe('COMMIT');
        } catch (error) {
          await connection.unsafe('ROLLBACK');
          throw new Error(`migration ${migration.id} (${migration.name}) failed: ${(error as Error).message}`, { cause: error });
        }
        newlyApplied.push(migration.id);
      }
      return { mode, applied: newlyApplied };
    } finally {
      await connection`SELECT pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    connection.release();
  }
}
