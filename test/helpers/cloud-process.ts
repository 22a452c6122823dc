import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CloudReady {
  url: string;
  storageMode: string;
  embeddedDatabase: boolean;
  admin: { username: string; password: string } | null;
}

/** Starts `cloud/main.ts` as its own process (as `npm run cloud` does), waits for it to listen. */
export async function startCloudProcess(env: Record<string, string>): Promise<{ child: ChildProcess; ready: CloudReady; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cloud', 'main.ts'), '--ready-json'], {
    cwd: ROOT,
    env: { ...process.env, CLOUD_LOG_LEVEL: 'warn', CLOUD_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<CloudReady>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{"ready"')) resolve((JSON.parse(line) as { ready: CloudReady }).ready);
    });
    void exited.then((code) => reject(new Error(`cloud exited (${code}) before ready: ${stderr}`)));
  });
  return { child, ready, exited };
}
