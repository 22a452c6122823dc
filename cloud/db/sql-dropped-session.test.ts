import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/cloud-database.js';
import { socketsOpenedDuring } from '../../test/helpers/opened-sockets.js';
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

  it('a statement sent as soon as a connection reset failed the one before it runs on a new session, not on the dead one', async () => {
    const db = await createTestDatabase();
    const admin = connect(db.url, { max: 1 });
    const sql = connect(db.url, { max: 1, applicationName: 'reset-session-test' });
    try {
      let socket!: net.Socket;
      await socketsOpenedDuring(async (sockets) => {
        await sql`SELECT 1`;
        socket = sockets.at(-1)!;
      });
      // The failure's handler sends the next statement at once, as a retrying request handler would.
      const next = sql`SELECT pg_sleep(60)`.then(
        () => 'the sleep finished',
        () => sql<[{ n: number }]>`SELECT 7 AS n`.then(([row]) => `next: ${row!.n}`),
      );
      await waitFor(
        async () => (await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'reset-session-test' AND query LIKE 'SELECT pg_sleep%'`)[0]!.n === 1,
        30_000,
        'the sleep runs',
      );
      // A connection reset: Node emits the socket's error at once and its close a turn later. The
      // driver put a statement sent in between on the dead session, where it waited forever.
      socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 30 s'), 30_000).unref());
      expect(await Promise.race([next, deadline])).toBe('next: 7');
    } finally {
      await sql.end({ timeout: 1 });
      await admin.end();
      await db.drop();
    }
  });
});
