#!/usr/bin/env node
/**
 * `npm start`: builds what is missing, then opens the Electron station; where Electron cannot run
 * (its binary could not be downloaded, or there is no display) it says why in one line and runs
 * the same gateway headless, which prints the loopback URL of the UI. Extra arguments are passed
 * to the gateway (e.g. `npm start -- --no-demo`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale, electronViteCli } from '../gateway/packaging/build-if-stale.mjs';
import { prepareElectronNative } from './packaging/electron-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const args = process.argv.slice(2);
const say = (line) => process.stdout.write(`${line}\n`);

/** Path of the Electron binary, downloading it with electron's own installer if needed. */
function electronBinary() {
  const tryPath = () => {
    try {
      const path = require('electron');
      return typeof path === 'string' && existsSync(path) ? path : null;
    } catch {
      return null;
    }
  };
  const found = tryPath();
  if (found) return { path: found };
  const install = spawnSync(process.execPath, [join(root, 'node_modules/electron/install.js')], { cwd: join(root, 'node_modules/electron'), encoding: 'utf8', timeout: 180_000 });
  const path = tryPath();
  if (path) return { path };
  const reason = `${install.stderr ?? ''}${install.stdout ?? ''}`.split('\n').find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|timed out/i.test(l))?.trim();
  return { path: null, reason: `Electron's binary is not installed and could not be downloaded${reason ? ` (${reason.slice(0, 120)})` : ''}` };
}

function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function runHeadless(why) {
  say(`${why}; running the station headless (open the UI URL below in a browser on this machine).`);
  const child = spawn(process.execPath, [join(root, 'out/main/gateway.js'), 'run', ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}

if (args[0] === '--check') {
  // For tests and IT: what would start, without starting it.
  const cli = electronViteCli(root);
  process.stdout.write(`${JSON.stringify({ buildTool: cli, buildToolExists: existsSync(cli), display: hasDisplay() })}\n`);
  process.exit(0);
}
buildIfStale(root);
if (process.env.WARD_HEADLESS === '1') {
  runHeadless('WARD_HEADLESS=1 is set');
} else if (!hasDisplay()) {
  runHeadless('No display is available for the desktop window (DISPLAY/WAYLAND_DISPLAY unset)');
} else {
  const electron = electronBinary();
  if (!electron.path) runHeadless(electron.reason);
  else {
    const version = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
    const binding = await prepareElectronNative(root, version).catch((error) => {
      say(`better-sqlite3 could not be rebuilt for Electron ${version}: ${String(error?.message ?? error).split('\n')[0].slice(0, 160)}`);
      return null;
    });
    if (!binding) runHeadless('The desktop window needs better-sqlite3 built for Electron');
    else {
      const child = spawn(electron.path, [root, ...args], { cwd: root, stdio: 'inherit' });
      child.on('exit', (code) => process.exit(code ?? 0));
    }
  }
}
