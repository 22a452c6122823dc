import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { inject } from 'vitest';
import { connect } from '../../cloud/db/sql.js';
import { startTestCloud } from '../helpers/cloud-fixture.js';
import { createTestDatabase } from '../helpers/cloud-database.js';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port free at this moment. */
async function freePort(): Promise<number> {
  const probe = await listenOn(0);
  const { port } = probe.address() as { port: number };
  await close(probe);
  return port;
}

/** Connections to `databaseUrl`'s database, other than the one asking. */
async function connectionsTo(databaseUrl: string): Promise<number> {
  const admin = connect(inject('postgresAdminUrl'), { max: 1 });
  const [row] = await admin<[{ n: number }]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${new URL(databaseUrl).pathname.slice(1)} AND backend_type = 'client backend'`;
  await admin.end();
  return row!.n;
}

/**
 * No connection left: a pool that has ended closed its sockets, but the server removes each
 * backend only once it has seen the close, a moment later (on a busy machine, CI saw one such
 * backend still listed). A connection the replica kept would stay listed, and fail this.
 */
async function expectNoConnectionsTo(databaseUrl: string): Promise<void> {
  await expect.poll(() => connectionsTo(databaseUrl), { timeout: 10_000 }).toBe(0);
}

describe('a cloud replica that fails to start part-way', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('stops the workers already started and its API listener when a later worker cannot start', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const apiPort = await freePort();
    const stopped: string[] = [];
    const start = startTestCloud({
      databaseUrl: db.url,
      env: { CLOUD_HOST: '127.0.0.1', CLOUD_PORT: String(apiPort) },
      workers: [
        () => ({ stop: () => void stopped.push('reports') }),
        () => {
          throw new Error('video worker: no provider');
        },
      ],
    });
    await expect(start).rejects.toThrow('video worker: no provider');
    expect(stopped).toEqual(['reports']);
    // The API's port is free again: the replica that failed does not answer on it.
    await close(await listenOn(apiPort));
    await expectNoConnectionsTo(db.url);
  });

  it('says its API port is taken, and keeps no connection to the database', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const taken = await listenOn(0);
    cleanups.push(() => close(taken));
    const start = startTestCloud({ databaseUrl: db.url, env: { CLOUD_HOST: '127.0.0.1', CLOUD_PORT: String((taken.address() as { port: number }).port) } });
    await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expectNoConnectionsTo(db.url);
  });
});
