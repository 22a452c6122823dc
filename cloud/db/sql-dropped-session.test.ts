import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/cloud-database.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { connect } from './sql.js';

/**
 * A session the server ends while a query runs on it (a restart, a failover, an administrator's
 * pg_terminate_backend): that query fails, and the next one runs on a new connection.
 */
describe('a database session the server ends mid-query', () => {
  it('fails the query that was running with the server\'s reason; the next query runs on a new session', async () => {
    const db = await createTestDatabase();
    const admin = connect(db.url, { max: 1 });
    const sql = connect(db.url, { max: 1, applicationName: 'dropped-session-test' });
    try {
      for (let round = 0; round < 3; round++) {
        const running = sql`SELECT pg_sleep(60)`.then(() => 'finished', (error: Error & { code?: string }) => `${error.code}: ${error.message}`);
        await waitFor(
          async () => (await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dropped-session-test' AND query LIKE 'SELECT pg_sleep%'`)[0]!.n === 1,
          30_000,
          'the query runs',
        );
        await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dropped-session-test'`;
        expect(await running).toBe('57P01: terminating connection due to administrator command');
        // The driver kept the ended session's error and failed the first query of the next session with it.
        const [{ n }] = await sql<[{ n: number }]>`SELECT ${round}::int AS n`;
        expect(n).toBe(round);
      }
    } finally {
      await sql.end({ timeout: 1 });
      await admin.end();
      await db.drop();
    }
  });
});
