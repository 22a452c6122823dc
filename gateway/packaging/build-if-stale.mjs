/**
 * Builds the station (electron-vite: shell, gateway bundle, preload, UI) when a source file is
 * newer than the build. Used by `npm start` and by `ward-station` in a checkout; an installed
 * package has no sources beside it and never builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The storage threads' entries (one per role, see gateway/storage/storage-messages.ts) and the backup worker's. */
const WORKERS = ['writer', 'checkpointer', 'reader', 'sync', 'backup'].map((name) => `out/main/${name}-worker.js`);
const OUTPUTS = ['out/main/index.js', 'out/main/gateway.js', ...WORKERS, 'out/preload/index.cjs', 'out/renderer/index.html'];
const SOURCES = ['main', 'preload', 'renderer', 'gateway'];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'packaging' || entry.name.endsWith('.test.ts') || entry.name.endsWith('.test.tsx')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function electronViteCli(root) {
  const require = createRequire(join(root, 'package.json'));
  return join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
}

/** true when the build is current (or there are no sources to build from). */
export function isBuildCurrent(root) {
  const sources = SOURCES.map((d) => join(root, d)).filter((d) => existsSync(d));
  if (!existsSync(join(root, 'gateway', 'cli.ts'))) return true;
  const newest = Math.max(...sources.map(newestMtime));
  return OUTPUTS.every((p) => existsSync(join(root, p)) && statSync(join(root, p)).mtimeMs >= newest);
}

/** Builds when stale; progress goes to stderr so a command's JSON output stays clean. */
export function buildIfStale(root) {
  if (isBuildCurrent(root)) return;
  process.stderr.write('Building the station (first start or sources changed)…\n');
  const result = spawnSync(process.execPath, [electronViteCli(root), 'build'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
