import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/gateway-process.js';
import { TIMESCALEDB_PG_BIN } from './helpers/timescaledb-server.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

/** A block of the README's "Backups of PostgreSQL", line by line: the test runs exactly these. */
function readmeBlock(marker: 'settings' | 'base backup' | 'recovery'): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- run-by: test/postgres-pitr.test.ts (${marker}) -->`);
  expect(start, marker).toBeGreaterThan(0);
  const block = /```\w*\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  return block.split('\n').filter((line) => line.trim() !== '');
}

/**
 * The README's PostgreSQL backup procedure, line by line, on a real server (Debian's PostgreSQL
 * 15, whose client tools match it): its settings for WAL archiving on the primary, its
 * pg_basebackup line, writes after it, the primary lost, and its recovery lines to a moment
 * between two writes. The README's lines run in a root shell, as IT types them; the server runs
 * as `postgres`. What is this machine's: the server's host (a socket folder, its port in PGPORT),
 * the archive and backup folders, the backup's date and the target time; `systemctl stop`/`start
 * postgresql` are pg_ctl's (systemd is not PID 1 here).
 */
describe('PostgreSQL base backup, WAL archive and point-in-time recovery (README "Backups of PostgreSQL")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-pitr-'));
  const data = join(dir, 'main');
  const archive = join(dir, 'wal-archive');
  const backups = join(dir, 'pg-backups');
  let port = 0;
  const asPostgres = async (binary: string, args: string[]) => (await exec('runuser', ['-u', 'postgres', '--', join(TIMESCALEDB_PG_BIN, binary), ...args], { encoding: 'utf8' })).stdout;
  const psql = async (sqlText: string) => (await asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sqlText])).trim();
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '120', ...args]);
  /** This machine's names for the README's. */
  const local = (line: string, extra: Record<string, string> = {}) =>
    Object.entries({ 'db.hospital.internal': dir, '/srv/pg-wal-archive': archive, '/srv/pg-backups': backups, ...extra }).reduce((text, [from, to]) => text.replaceAll(from, to), line);
  /** A line in IT's root shell, with the server's tools on the PATH and PGDATA set. */
  const rootShell = (line: string) => {
    const result = spawnSync('sh', ['-ec', line], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${TIMESCALEDB_PG_BIN}:${process.env.PATH}`, PGDATA: data, PGPORT: String(port) } });
    expect(result.status, `${line}\n${result.stderr}`).toBe(0);
  };

  afterAll(async () => {
    await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores the base backup and replays the archive up to the chosen time, and no further', { timeout: 240_000 }, async () => {
    if (process.getuid?.() !== 0) throw new Error('needs root: it runs the README lines as IT does, in a root shell, and the server as postgres');
    const postgres = { uid: Number((await exec('id', ['-u', 'postgres'])).stdout), gid: Number((await exec('id', ['-g', 'postgres'])).stdout) };
    chownSync(dir, postgres.uid, postgres.gid);
    chmodSync(dir, 0o700);
    mkdirSync(archive);
    chownSync(archive, postgres.uid, postgres.gid);
    mkdirSync(backups);
    port = await freePort();
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-instructions']);
    // This test's server on a socket only, then the README's settings for the primary.
    const settings = readmeBlock('settings');
    expect(settings.map((line) => line.split(' = ')[0])).toEqual(['wal_level', 'archive_mode', 'archive_command', 'archive_timeout']);
    appendFileSync(join(data, 'postgresql.conf'), [`port = ${port}`, "listen_addresses = ''", `unix_socket_directories = '${dir}'`, ...settings.map((line) => local(line)), ''].join('\n'));
    await pgCtl('start');

    // The role the README's base backup connects as.
    await psql('CREATE ROLE replicator WITH REPLICATION LOGIN');
    await psql('CREATE TABLE readings (id int PRIMARY KEY); INSERT INTO readings SELECT generate_series(1, 100)');
    const [backupLine, ...more] = readmeBlock('base backup');
    expect(more).toEqual([]);
    rootShell(local(backupLine!));
    const [base, ...others] = readdirSync(backups);
    expect(others).toEqual([]);
    expect(base).toMatch(/^base-\d{4}-\d{2}-\d{2}$/);

    await psql('INSERT INTO readings SELECT generate_series(101, 200)');
    const target = await psql('SELECT clock_timestamp()');
    await psql('INSERT INTO readings SELECT generate_series(201, 300)');
    // The segment holding the last writes goes to the archive now (archive_timeout would do it within 60 s).
    const lastSegment = await psql('SELECT pg_walfile_name(pg_switch_wal())');
    await expect.poll(() => existsSync(join(archive, lastSegment)), { timeout: 60_000 }).toBe(true);

    // Recovery, line by line: the base backup in place of the lost data folder, the archive replayed to the target time.
    const recovery = readmeBlock('recovery');
    expect(recovery[0]).toBe('systemctl stop ward-cloud ward-cloud-report-worker postgresql');
    expect(recovery.at(-1)).toMatch(/^systemctl start postgresql\b/);
    for (const line of recovery) {
      if (line.startsWith('systemctl stop')) await pgCtl('-m', 'immediate', 'stop');
      else if (line.startsWith('systemctl start')) await pgCtl('start');
      else rootShell(local(line, { 'base-2026-12-02': base!, "'2026-12-03 10:41:00+00'": `'${target}'` }));
    }
    expect(existsSync(`${data}.lost`)).toBe(true);
    await expect.poll(() => psql('SELECT pg_is_in_recovery()'), { timeout: 120_000 }).toBe('f');
    expect(await psql('SELECT count(*) || \',\' || max(id) FROM readings')).toBe('200,200');
    expect(readFileSync(join(dir, 'server.log'), 'utf8')).toMatch(/recovery stopping before commit of transaction/);
  });
});
