import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { startReplicatedPostgres, type ReplicatedPostgres } from '../helpers/replicated-postgres.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A URL naming a primary and its hot standby (the two-region layout): which server each pool
 * connection gets, on a real primary and a real streaming standby.
 */
describe('the server a multi-server database URL connects to', () => {
  let pg: ReplicatedPostgres;
  let primary: Sql;
  const pools: Sql[] = [];

  const urlOf = (order: Array<'primary' | 'standby'>, target?: string) => {
    const first = new URL(pg.primary.url('ward'));
    const hosts = order.map((name) => `127.0.0.1:${pg[name].port}`).join(',');
    return `postgres://${first.username}:${first.password}@${hosts}/ward${target ? `?target_session_attrs=${target}` : ''}`;
  };
  const pool = (url: string) => {
    const sql = connect(url, { max: 2, applicationName: 'server-choice-test' });
    pools.push(sql);
    return sql;
  };
  const where = async (sql: Sql) => (await sql<[{ standby: boolean }]>`SELECT pg_is_in_recovery() AS standby`)[0].standby ? 'standby' : 'primary';

  beforeAll(async () => {
    pg = await startReplicatedPostgres();
    const admin = connect(pg.primary.url(), { max: 1 });
    await admin`CREATE DATABASE ward`;
    await admin.end();
    primary = connect(pg.primary.url('ward'), { max: 1 });
    await primary`CREATE TABLE writes (n int)`;
    // The database reaches the standby by replay.
    const standby = connect(pg.standby.url('ward'), { max: 1 });
    await waitFor(async () => (await standby`SELECT to_regclass('writes') IS NOT NULL AS ok`.catch(() => [{ ok: false }]))[0]!.ok, 60_000, 'the standby replays the test database');
    await standby.end();
  }, 180_000);

  afterAll(async () => {
    for (const sql of pools) await sql.end({ timeout: 1 });
    await primary?.end();
    await pg?.stop();
  });

  it('read-write with the standby listed first: writes go to the primary', async () => {
    const sql = pool(urlOf(['standby', 'primary'], 'read-write'));
    await sql`INSERT INTO writes VALUES (1)`;
    expect(await where(sql)).toBe('primary');
  });

  it('read-write: a dropped connection comes back to the primary, not to the next server in the list', async () => {
    const sql = pool(urlOf(['primary', 'standby'], 'read-write'));
    await sql`INSERT INTO writes VALUES (2)`;
    // The server ends the pool's sessions (as a restart, a network cut or the driver's own
    // 30–60 min connection lifetime would); the next connections are new ones.
    for (let round = 0; round < 3; round++) {
      await primary`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'server-choice-test' AND pid <> pg_backend_pid()`;
      await waitFor(async () => (await primary`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'server-choice-test'`)[0]!.n === 0, 30_000, 'the sessions ended');
      await sql`SELECT 1`.catch(() => {}); // a query on a connection the server ended may fail once
      await sql`INSERT INTO writes VALUES (3)`;
      expect(await where(sql)).toBe('primary');
    }
  });

  it('prefer-standby reads from the standby, wherever it is listed', async () => {
    expect(await where(pool(urlOf(['primary', 'standby'], 'prefer-standby')))).toBe('standby');
    expect(await where(pool(urlOf(['standby', 'primary'], 'prefer-standby')))).toBe('standby');
  });

  it('no server of the kind asked for: a clear error naming each server and why, not a hang', async () => {
    const standbyOnly = `${urlOf(['standby'])}?target_session_attrs=read-write`;
    await expect(pool(standbyOnly)`SELECT 1`).rejects.toThrow(`no database server is read-write (127.0.0.1:${pg.standby.port}: a standby)`);
  });
});
