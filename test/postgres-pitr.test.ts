import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/gateway-process.js';
import { TIMESCALEDB_PG_BIN } from './helpers/timescaledb-server.js';

const exec = promisify(execFile);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The README's PostgreSQL backup procedure, step by step, on a real server (Debian's PostgreSQL
 * 15, whose client tools match it): WAL archiving on the primary, a base backup with
 * pg_basebackup, writes after it, the primary lost, and a point-in-time recovery from the base
 * backup and the archive to a moment between two writes. Everything runs as the `postgres` user.
 */
describe('PostgreSQL base backup, WAL archive and point-in-time recovery (README "Backups of PostgreSQL")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-pitr-'));
  const data = join(dir, 'main');
  const archive = join(dir, 'wal-archive');
  const base = join(dir, 'base-backup');
  let port = 0;
  const owner = { uid: -1, gid: -1 };
  const asPostgres = async (binary: string, args: string[]) =>
    (await exec(isRoot ? 'runuser' : join(TIMESCALEDB_PG_BIN, binary), isRoot ? ['-u', 'postgres', '--', join(TIMESCALEDB_PG_BIN, binary), ...args] : args, { encoding: 'utf8' })).stdout;
  const psql = async (sqlText: string) => (await asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sqlText])).trim();
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '120', ...args]);

  afterAll(async () => {
    await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores the base backup and replays the archive up to the chosen time, and no further', { timeout: 240_000 }, async () => {
    if (isRoot) {
      owner.uid = Number((await exec('id', ['-u', 'postgres'])).stdout);
      owner.gid = Number((await exec('id', ['-g', 'postgres'])).stdout);
      chownSync(dir, owner.uid, owner.gid);
    }
    chmodSync(dir, 0o700);
    mkdirSync(archive);
    if (isRoot) chownSync(archive, owner.uid, owner.gid);
    port = await freePort();
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-instructions']);
    // The README's settings for the primary (paths of this test).
    appendFileSync(
      join(data, 'postgresql.conf'),
      [`port = ${port}`, "listen_addresses = ''", `unix_socket_directories = '${dir}'`, 'wal_level = replica', 'archive_mode = on', `archive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f'`, 'archive_timeout = 60', ''].join('\n'),
    );
    await pgCtl('start');

    await psql('CREATE TABLE readings (id int PRIMARY KEY); INSERT INTO readings SELECT generate_series(1, 100)');
    await asPostgres('pg_basebackup', ['-h', dir, '-p', String(port), '-U', 'postgres', '-D', base, '-X', 'stream', '-c', 'fast']);
    await psql('INSERT INTO readings SELECT generate_series(101, 200)');
    const target = await psql('SELECT clock_timestamp()');
    await psql('INSERT INTO readings SELECT generate_series(201, 300)');
    // The segment holding the last writes goes to the archive now (archive_timeout would do it within 60 s).
    const lastSegment = await psql('SELECT pg_walfile_name(pg_switch_wal())');
    await expect.poll(() => existsSync(join(archive, lastSegment)), { timeout: 60_000 }).toBe(true);

    // The primary's disk is lost.
    await pgCtl('-m', 'immediate', 'stop');
    rmSync(data, { recursive: true, force: true });

    // Recovery: the base backup, then the archive replayed to the target time.
    await exec(isRoot ? 'runuser' : 'cp', isRoot ? ['-u', 'postgres', '--', 'cp', '-a', base, data] : ['-a', base, data]);
    appendFileSync(join(data, 'postgresql.auto.conf'), [`restore_command = 'cp ${archive}/%f %p'`, `recovery_target_time = '${target}'`, "recovery_target_action = 'promote'", ''].join('\n'));
    writeFileSync(join(data, 'recovery.signal'), '');
    if (isRoot) chownSync(join(data, 'recovery.signal'), owner.uid, owner.gid);
    await pgCtl('start');
    await expect.poll(() => psql('SELECT pg_is_in_recovery()'), { timeout: 120_000 }).toBe('f');
    expect(await psql('SELECT count(*) || \',\' || max(id) FROM readings')).toBe('200,200');
    expect(readFileSync(join(dir, 'server.log'), 'utf8')).toMatch(/recovery stopping before commit of transaction/);
  });
});
