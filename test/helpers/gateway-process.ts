import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'gateway', 'cli.ts');

export interface Ready {
  uiUrl: string;
  channelUrl: string;
  token: string;
  devicePort: number;
  mllpPort: number | null;
  dataDir: string;
  demo: boolean;
}

/** A port that was free a moment ago (for a gateway that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a CLI admin command (`devices add ...`) exactly as IT would, and parses its JSON output. */
export function cli<T = unknown>(dataDir: string, ...args: string[]): T {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cli ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export function cliFailure(dataDir: string, ...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

/**
 * Starts the gateway as its own process (as `npm run gateway` does) and waits for it to be ready.
 * `root` runs the gateway of another checkout (a benchmark's baseline).
 */
export async function startGatewayProcess(args: string[], root = ROOT): Promise<{ child: ChildProcess; ready: Ready; exited: Promise<number | null> }> {
  const cli = root === ROOT ? CLI : join(root, 'gateway', 'cli.ts');
  const child = spawn(process.execPath, [...(process.env.WARD_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.WARD_PROFILE_DIR}`] : []), '--import', 'tsx', cli, 'run', '--ready-json', ...(root === ROOT ? ['--health-port', '0'] : []), ...args], {
    cwd: root,
    env: { ...process.env, WARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{"ready"')) resolve((JSON.parse(line) as { ready: Ready }).ready);
    });
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before ready: ${stderr}`)));
  });
  return { child, ready, exited };
}
