import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate, MigrationHistoryError } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { createTestDatabase } from '../helpers/cloud-database.js';

/** Runs on both test servers: PostgreSQL 17 without TimescaleDB, PostgreSQL 15 with it. */
describe('cloud migrations on a real PostgreSQL', () => {
  const mode = inject('storageMode');
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Sql;
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = connect(db.url, { max: 6 });
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  it(`applies every migration once even when three replicas start together, choosing ${mode} mode from what the server offers`, async () => {
    const outcomes = await Promise.all([migrate(sql, MIGRATIONS), migrate(sql, MIGRATIONS), migrate(sql, MIGRATIONS)]);
    expect(outcomes.map((o) => o.mode)).toEqual([mode, mode, mode]);
    expect(outcomes.flatMap((o) => o.applied).sort()).toEqual(MIGRATIONS.map((m) => m.id).sort());
    const [{ count }] = await sql<[{ count: number }]>`SELECT count(*)::int AS count FROM schema_migrations`;
    expect(count).toBe(MIGRATIONS.length);
    const [{ kind }] = await sql<[{ kind: string }]>`SELECT relkind AS kind FROM pg_class WHERE relname = 'vitals'`;
    const hypertables = await sql`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`;
    if (mode === 'native') {
      expect(kind).toBe('p'); // a partitioned table
      expect(hypertables).toHaveLength(0);
    } else {
      const [hypertable] = await sql<[{ name: string }]>`SELECT hypertable_name AS name FROM timescaledb_information.hypertables`;
      expect(hypertable.name).toBe('vitals');
    }
  });

  it('refuses a history it does not know, and an edited migration', async () => {
    await expect(migrate(sql, MIGRATIONS.slice(0, 1))).rejects.toBeInstanceOf(MigrationHistoryError);
    const edited = MIGRATIONS.map((m) => (m.id === 1 ? { ...m, sql: `${m.sql as string}\n-- edited` } : m));
    await expect(migrate(sql, edited)).rejects.toThrow(/changed after it was applied/);
  });

  it('refuses to switch storage mode on an existing database', async () => {
    await expect(migrate(sql, MIGRATIONS, mode === 'native' ? 'timescaledb' : 'native')).rejects.toThrow(new RegExp(`${mode} mode`));
  });
});
