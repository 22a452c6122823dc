import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './gateway-process.js';
import { clusterFolder, run } from './postgres-cluster.js';

/** Debian's PostgreSQL 15: initdb, pg_ctl and pg_basebackup (the embedded package has no pg_basebackup). */
export const REPLICATION_PG_BIN = process.env.REPLICATION_PG_BIN || '/usr/lib/postgresql/15/bin';

/** The standby's name as the primary sees it (synchronous_standby_names lists it). */
export const STANDBY_NAME = 'standby_b';

export interface PostgresNode {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  /** Superuser URL of this server alone, database `db`. */
  url(db?: string): string;
  /** SIGKILL the server and every process it started: the machine is gone, nothing is flushed or sent. */
  kill(): Promise<void>;
  /** Ends recovery: the standby becomes a primary (pg_ctl promote, waits until it accepts writes). */
  promote(): Promise<void>;
  /**
   * Starts this (killed) server again on another port, alone: crash recovery, then its data can be
   * read. The failover URL does not name that port, so no cloud writes to it (no split brain).
   * Returns its superuser URL for `db`.
   */
  startAlone(db: string): Promise<string>;
  /** The end of its server log (for failure messages; the test data holds no patient names). */
  logTail(): string;
}

export interface ReplicatedPostgres {
  readonly primary: PostgresNode;
  readonly standby: PostgresNode;
  /** Both hosts in one URL: the driver connects to whichever accepts writes (target_session_attrs=read-write). */
  failoverUrl(db: string): string;
  stop(): Promise<void>;
}

export interface ReplicationOptions {
  /** Commit waits until the standby has flushed the write (synchronous_standby_names). */
  readonly synchronous?: boolean;
  /** recovery_min_apply_delay on the standby: a replica that is reliably behind. */
  readonly applyDelayMs?: number;
}

/**
 * A primary and a streaming hot standby on free loopback ports, in one temporary folder removed
 * by `stop()`: initdb, then `pg_basebackup -R` (which writes primary_conninfo and standby.signal),
 * as the production set-up does. As root, everything runs as the `postgres` user (PostgreSQL
 * refuses root). The standby's database appears once the primary's CREATE DATABASE replays.
 */
export async function startReplicatedPostgres(options: ReplicationOptions = {}): Promise<ReplicatedPostgres> {
  if (!existsSync(join(REPLICATION_PG_BIN, 'pg_basebackup'))) throw new Error(`no PostgreSQL with pg_basebackup at ${REPLICATION_PG_BIN}`);
  // Messages in English, for the failure text.
  const { dir, password, asServerUser, initdb } = await clusterFolder(REPLICATION_PG_BIN, 'ward-replication-', { ...process.env, LC_MESSAGES: 'C' });
  const nodes: PostgresNode[] = [];

  const node = (name: string, port: number, dataDir: string): PostgresNode => ({
    name,
    port,
    dataDir,
    url: (db = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`,
    async kill() {
      const pidFile = join(dataDir, 'postmaster.pid');
      if (!existsSync(pidFile)) return;
      const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      const children = (await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)]).catch(() => ({ stdout: '' }))).stdout.split('\n').map(Number).filter((pid) => pid > 0);
      for (const pid of [postmaster, ...children]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    async promote() {
      await asServerUser('pg_ctl', ['-D', dataDir, '-w', '-t', '120', 'promote']);
    },
    async startAlone(db) {
      const alonePort = await freePort();
      await asServerUser('pg_ctl', ['-D', dataDir, '-l', join(dir, `${name}-alone.log`), '-o', `-p ${alonePort}`, '-w', '-t', '120', 'start']);
      return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${alonePort}/${db}`;
    },
    logTail: () => (existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`), 'utf8').slice(-3000) : ''),
  });

  const start = (name: string, dataDir: string) => asServerUser('pg_ctl', ['-D', dataDir, '-l', join(dir, `${name}.log`), '-w', '-t', '120', 'start']);
  try {
    const primaryPort = await freePort();
    const primaryDir = join(dir, 'primary');
    await initdb(primaryDir);
    // fsync off: the tests kill processes, not the machine, so the OS still holds every write.
    // synchronous_commit stays on: with synchronous_standby_names it is what makes a commit wait.
    appendFileSync(join(primaryDir, 'postgresql.conf'), [
      '', '# ward replication tests',
      `port = ${primaryPort}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 200',
      'fsync = off',
      'wal_level = replica',
      'max_wal_senders = 5',
      'wal_keep_size = 256MB',
      `synchronous_standby_names = '${options.synchronous ? STANDBY_NAME : ''}'`,
      '',
    ].join('\n'));
    await start('primary', primaryDir);
    const primary = node('primary', primaryPort, primaryDir);
    nodes.push(primary);

    const standbyPort = await freePort();
    const standbyDir = join(dir, 'standby');
    await asServerUser('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast']);
    // cluster_name is the name the standby gives the primary (its application_name). Once
    // promoted it has no standby of its own, so it must not wait for one.
    appendFileSync(join(standbyDir, 'postgresql.conf'), [
      '', '# the standby',
      `port = ${standbyPort}`,
      `cluster_name = '${STANDBY_NAME}'`,
      `synchronous_standby_names = ''`,
      'hot_standby = on',
      `recovery_min_apply_delay = '${options.applyDelayMs ?? 0}ms'`,
      '',
    ].join('\n'));
    await start('standby', standbyDir);
    const standby = node('standby', standbyPort, standbyDir);
    nodes.push(standby);
    return {
      primary,
      standby,
      failoverUrl: (db) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/${db}?target_session_attrs=read-write`,
      async stop() {
        for (const n of nodes) await asServerUser('pg_ctl', ['-D', n.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => n.kill());
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    const logs = nodes.map((n) => n.logTail()).join('\n') + (existsSync(join(dir, 'standby.log')) ? readFileSync(join(dir, 'standby.log'), 'utf8').slice(-2000) : '');
    for (const n of nodes) await n.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot start a primary and a standby: ${(error as Error).message}\n${logs}`, { cause: error });
  }
}
