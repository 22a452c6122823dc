import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../cloud/db/sql.js';
import { freePort } from './gateway-process.js';
import { clusterFolder, run } from './postgres-cluster.js';

/** Debian's PostgreSQL 15, into which test/setup/system-deps.mjs installs TimescaleDB. */
export const TIMESCALEDB_PG_BIN = process.env.TIMESCALEDB_PG_BIN || '/usr/lib/postgresql/15/bin';

/** Why no TimescaleDB server can be started here, or null when one can. */
export function timescaledbMissing(): string | null {
  if (!existsSync(join(TIMESCALEDB_PG_BIN, 'postgres'))) return `no PostgreSQL server at ${TIMESCALEDB_PG_BIN}`;
  const libDir = join(TIMESCALEDB_PG_BIN, '..', 'lib');
  if (!existsSync(join(libDir, 'timescaledb.so'))) return `PostgreSQL at ${TIMESCALEDB_PG_BIN} has no TimescaleDB (${libDir}/timescaledb.so)`;
  return null;
}

export interface TimescaledbServer {
  /** postgres://… URL of the superuser on 127.0.0.1. */
  readonly url: string;
  /** As `postgres --version` says, e.g. "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)". */
  readonly versions: string;
  /** The TimescaleDB version CREATE EXTENSION installs, e.g. "2.28.3". */
  readonly timescaledbVersion: string;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL cluster with TimescaleDB preloaded, on a free loopback port, in a
 * temporary folder removed by `stop()`. As root, initdb and the server run as the `postgres`
 * user (PostgreSQL refuses root), who owns the folder.
 *
 * `durable: false` (the tests) turns fsync off, since the cluster is thrown away anyway. The
 * policies' background scheduler is off unless `backgroundJobs`: tests run each policy's own job
 * with CALL run_job when they mean to, so nothing happens to their data behind their back.
 */
export async function startTimescaledbServer(options: { durable?: boolean; backgroundJobs?: boolean } = {}): Promise<TimescaledbServer> {
  const missing = timescaledbMissing();
  if (missing) throw new Error(`cannot start a TimescaleDB server: ${missing}`);
  const { dir, password, asServerUser, initdb } = await clusterFolder(TIMESCALEDB_PG_BIN, 'ward-timescaledb-');
  const dataDir = join(dir, 'data');
  const port = await freePort();
  try {
    await initdb(dataDir);
    const settings = [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      `shared_preload_libraries = 'timescaledb'`,
      `timescaledb.telemetry_level = off`,
      `max_connections = 300`,
      `shared_buffers = 256MB`,
      `max_worker_processes = 24`,
      `timescaledb.max_background_workers = ${options.backgroundJobs ? 16 : 0}`,
      ...(options.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    ];
    writeFileSync(join(dataDir, 'postgresql.conf'), `${readFileSync(join(dataDir, 'postgresql.conf'), 'utf8')}\n# ward tests\n${settings.join('\n')}\n`);
    await asServerUser('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
  } catch (error) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot start the TimescaleDB server: ${(error as Error).message}\n${log}`, { cause: error });
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const versions = (await run(join(TIMESCALEDB_PG_BIN, 'postgres'), ['--version'])).stdout.trim();
  const sql = connect(url, { max: 1 });
  const [extension] = await sql<[{ version: string }]>`SELECT default_version AS version FROM pg_available_extensions WHERE name = 'timescaledb'`;
  await sql.end();
  return {
    url,
    versions,
    timescaledbVersion: extension.version,
    async stop() {
      await asServerUser('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
