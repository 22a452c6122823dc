import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CloudReady {
  url: string;
  storageMode: string;
  embeddedDatabase: boolean;
  /** The first admin; the password read from the owner-only file the service wrote it to. */
  admin: { username: string; password: string; passwordFile: string } | null;
  /** Everything the process wrote to stdout up to ready. */
  stdout: string[];
}

/** Starts `cloud/main.ts` as its own process (as `npm run cloud` does), waits for it to listen. */
export async function startCloudProcess(env: Record<string, string>): Promise<{ child: ChildProcess; ready: CloudReady; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [...(process.env.WARD_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.WARD_PROFILE_DIR}`] : []), '--import', 'tsx', join(ROOT, 'cloud', 'main.ts'), '--ready-json'], {
    cwd: ROOT,
    // The first admin's password goes to a file (stdout is not a terminal here): a fresh one per process.
    env: { ...process.env, CLOUD_LOG_LEVEL: 'warn', CLOUD_HOST: '127.0.0.1', CLOUD_ADMIN_PASSWORD_FILE: join(mkdtempSync(join(tmpdir(), 'ward-cloud-admin-')), 'password'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const stdout: string[] = [];
  const ready = await new Promise<CloudReady>((resolve, reject) => {
    lines.on('line', (line) => {
      stdout.push(line);
      if (!line.startsWith('{"ready"')) return;
      const parsed = (JSON.parse(line) as { ready: CloudReady }).ready;
      if (parsed.admin) parsed.admin.password = readFileSync(parsed.admin.passwordFile, 'utf8').trim();
      resolve({ ...parsed, stdout });
    });
    void exited.then((code) => reject(new Error(`cloud exited (${code}) before ready: ${stderr}`)));
  });
  return { child, ready, exited };
}
