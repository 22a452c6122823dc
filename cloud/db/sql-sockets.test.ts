import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/cloud-database.js';
import { socketsOpenedDuring } from '../../test/helpers/opened-sockets.js';
import { connect } from './sql.js';

/** Whether Nagle's algorithm is off on a socket (Node keeps the flag under this symbol). */
function noDelayOf(socket: net.Socket): boolean {
  const flag = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  if (!flag) throw new Error('this Node keeps no kSetNoDelay flag on its sockets');
  return (socket as unknown as Record<symbol, boolean>)[flag] === true;
}

describe('the database pool sockets', () => {
  // With Nagle's algorithm on, a message the driver writes while its previous one is not yet
  // acknowledged waits for the server's delayed ACK (40 ms on Linux): a COPY's CopyDone after its
  // data, the tail of a statement over 1 KB. That cost a one-row station batch ~85 ms.
  it('are opened with Nagle off, for queries, transactions and COPY', async () => {
    const db = await createTestDatabase();
    try {
      const { sockets, answered } = await socketsOpenedDuring(async () => {
        const sql = connect(db.url, { max: 2 });
        try {
          const [{ one }] = await sql<[{ one: number }]>`SELECT 1 AS one`;
          expect(one).toBe(1);
          await sql.begin(async (tx) => {
            await tx`CREATE TABLE copied (n int)`;
            const stream = await tx`COPY copied (n) FROM STDIN`.writable();
            await new Promise<void>((resolve, reject) => stream.end('7\n', (error?: Error | null) => (error ? reject(error) : resolve())));
          });
          expect(await sql`SELECT n FROM copied`).toEqual([{ n: 7 }]);
        } finally {
          await sql.end();
        }
      });
      expect(answered).toContain(Number(new URL(db.url).port));
      expect(sockets.map(noDelayOf)).toEqual(sockets.map(() => true));
    } finally {
      await db.drop();
    }
  });

  it('walk a multi-server URL in order, Nagle off there too', async () => {
    const db = await createTestDatabase();
    const url = new URL(db.url);
    try {
      // A first server that refuses (port 1 on loopback), then the real one.
      const { sockets, answered } = await socketsOpenedDuring(async () => {
        const sql = connect(`postgres://${url.username}:${url.password}@127.0.0.1:1,${url.host}${url.pathname}`, { max: 1 });
        try {
          expect(await sql`SELECT 2 AS two`).toEqual([{ two: 2 }]);
        } finally {
          await sql.end();
        }
      });
      // The refused server was tried; every socket that connected went to the real one.
      expect(sockets.length).toBeGreaterThan(answered.length);
      expect(new Set(answered)).toEqual(new Set([Number(url.port)]));
      expect(sockets.map(noDelayOf)).toEqual(sockets.map(() => true));
    } finally {
      await db.drop();
    }
  });
});
