import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, run } from '../../cloud/db/sql.js';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { startStatementCounter, type StatementCounter } from '../helpers/pg-statement-counter.js';

/** The wire-level counter that "a search is one SQL statement" relies on. */
describe('the statement counter', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let counter: StatementCounter;
  beforeAll(async () => {
    db = await createTestDatabase();
    counter = await startStatementCounter(db.url);
  });
  afterAll(async () => {
    await counter.close();
    await db.drop();
  });

  it("counts a new connection's first statement once: the driver's own set-up query is not one of the caller's", async () => {
    const sql = connect(counter.url, { max: 1 });
    try {
      await sql`SELECT 1 AS one`;
      expect(counter.texts()).toEqual(['SELECT 1 AS one']);
    } finally {
      await sql.end();
    }
  });

  it('names each statement by its text, prepared statements included when they run again', async () => {
    const sql = connect(counter.url, { max: 1 });
    try {
      const before = counter.statements();
      for (let i = 0; i < 3; i++) await run(sql, 'SELECT $1::int AS n', [i]);
      await sql.unsafe('SELECT 2');
      expect(counter.texts().slice(before)).toEqual(['SELECT $1::int AS n', 'SELECT $1::int AS n', 'SELECT $1::int AS n', 'SELECT 2']);
    } finally {
      await sql.end();
    }
  });
});
