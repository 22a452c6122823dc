import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

export class MigrationHistoryError extends Error {
  readonly code = 'MIGRATION_HISTORY_MISMATCH';
}

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;
const SELECT_HISTORY = 'SELECT id, name, checksum FROM schema_migrations ORDER BY id';
const INSERT_HISTORY =
  'INSERT INTO schema_migrations (id, name, checksum, applied_at) VALUES (?, ?, ?, ?)';

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Applies the migrations not applied yet, each in its own transaction. Refuses to run when the
 * recorded history disagrees with the files (an edited or missing migration, or a database
 * written by a newer station): starting anyway could corrupt patient data.
 */
export function migrate(db: Database, migrations: readonly Migration[], now = Date.now()): number[] {
  db.exec(CREATE_HISTORY);
  const applied = db.prepare(SELECT_HISTORY).all() as Array<{ id: number; name: string; checksum: string }>;
  const byId = new Map(migrations.map((m) => [m.id, m]));
  for (const row of applied) {
    const file = byId.get(row.id);
    if (!file) {
      throw new MigrationHistoryError(
        `database has migration ${row.id} (${row.name}) that this station does not know; was it written by a newer version?`,
      );
    }
    if (checksum(file.sql) !== row.checksum) {
      throw new MigrationHistoryError(`migration ${row.id} (${row.name}) was changed after it was applied`);
    }
  }
  const done = new Set(applied.map((r) => r.id));
  const insert = db.prepare(INSERT_HISTORY);
  const newlyApplied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      insert.run(m.id, m.name, checksum(m.sql), now);
    })();
    newlyApplied.push(m.id);
  }
  return newlyApplied;
}
