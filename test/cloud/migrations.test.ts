import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MigrationHistoryError } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { createTestDatabase } from '../helpers/cloud-database.js';

describe('cloud migrations on a real PostgreSQL', () => {
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

  it('applies every migration once even when three replicas start together, in native mode without TimescaleDB', async () => {
    const outcomes = await Promise.all([migrate(sql, MIGRATIONS), migrate(sql, MIGRATIONS), migrate(sql, MIGRATIONS)]);
    expect(outcomes.map((o) => o.mode)).toEqual(['native', 'native', 'native']);
    expect(outcomes.flatMap((o) => o.applied).sort()).toEqual(MIGRATIONS.map((m) => m.id).sort());
    const [{ count }] = await sql<[{ count: number }]>`SELECT count(*)::int AS count FROM schema_migrations`;
    expect(count).toBe(MIGRATIONS.length);
    const [{ kind }] = await sql<[{ kind: string }]>`SELECT relkind AS kind FROM pg_class WHERE relname = 'vitals'`;
    expect(kind).toBe('p'); // a partitioned table
  });

  it('refuses a history it does not know, and an edited migration', async () => {
    await expect(migrate(sql, MIGRATIONS.slice(0, 1))).rejects.toBeInstanceOf(MigrationHistoryError);
    const edited = MIGRATIONS.map((m) => (m.id === 1 ? { ...m, sql: `${m.sql as string}\n-- edited` } : m));
    await expect(migrate(sql, edited)).rejects.toThrow(/changed after it was applied/);
  });

  it('refuses to switch storage mode on an existing database', async () => {
    await expect(migrate(sql, MIGRATIONS, 'timescaledb')).rejects.toThrow(/native mode/);
  });
});
