import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export interface ClusterFolder {
  /** The temporary folder, owned by the server's user; the caller removes it. */
  readonly dir: string;
  /** The superuser's password (scram-sha-256), the same for every cluster made here. */
  readonly password: string;
  /** Runs one of the server's programs (initdb, pg_ctl, ...) as the user the server runs as. */
  asServerUser(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** initdb of a new cluster in `dataDir`, superuser `postgres` with the password. */
  initdb(dataDir: string): Promise<void>;
}

/**
 * A temporary folder for throwaway PostgreSQL clusters of the server in `binDir`. As root, the
 * folder belongs to the `postgres` user and every program runs as that user (PostgreSQL refuses
 * root); otherwise as this process's user. Programs get `baseEnv` with the superuser's password.
 */
export async function clusterFolder(binDir: string, prefix: string, baseEnv: NodeJS.ProcessEnv = process.env): Promise<ClusterFolder> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const password = randomBytes(18).toString('base64url');
  // For the client programs (pg_basebackup) that sign in as the superuser.
  const env = { ...baseEnv, PGPASSWORD: password };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const asServerUser = (binary: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', join(binDir, binary), ...args], { env }) : run(join(binDir, binary), args, { env });
  const owner = isRoot ? { uid: Number((await run('id', ['-u', 'postgres'])).stdout), gid: Number((await run('id', ['-g', 'postgres'])).stdout) } : null;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
  return {
    dir,
    password,
    asServerUser,
    async initdb(dataDir) {
      const passwordFile = join(dir, 'password');
      writeFileSync(passwordFile, password, { mode: 0o600 });
      if (owner) chownSync(passwordFile, owner.uid, owner.gid);
      try {
        await asServerUser('initdb', ['-D', dataDir, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-instructions']);
      } finally {
        rmSync(passwordFile, { force: true });
      }
    },
  };
}
