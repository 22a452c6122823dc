#!/usr/bin/env node
/**
 * `npm run dist`: the desktop installers (electron-builder; configuration in package.json "build":
 * NSIS per-machine for Windows, AppImage and deb for Linux, dmg for macOS; the current OS's
 * targets unless arguments say otherwise, e.g. `npm run dist -- --linux AppImage`).
 *
 * The app is staged in out/desktop-app with only the modules the station imports, and its
 * native modules (better-sqlite3, serialport) are rebuilt there for Electron with
 * @electron/rebuild, at packaging time. Rebuilding in the project's own node_modules, as
 * electron-builder would by default, would leave Node (the tests, `npm run gateway`) with an
 * Electron binary. Output: dist/. Needs the network for Electron's headers and binary.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from '../../gateway/packaging/build-if-stale.mjs';
import { copyRuntimeModules } from '../../gateway/packaging/runtime-modules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const say = (line) => process.stderr.write(`${line}\n`);

/** Stages the desktop app; returns its folder. Exported for the packaging test. */
export function stageDesktopApp() {
  buildIfStale(root);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const app = join(root, 'out', 'desktop-app');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  for (const part of ['main', 'preload', 'renderer']) cpSync(join(root, 'out', part), join(app, 'out', part), { recursive: true });
  const modules = copyRuntimeModules(root, app, { trimNativeSources: false });
  const versionOf = (name) => JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version;
  // The manifest names the top-level packages; a package present only nested under another (a
  // second version, e.g. pino-pretty's own sonic-boom) comes with its parent.
  const topLevel = modules.filter(
    (name) => (!name.startsWith('@serialport/') || name === '@serialport/bindings-cpp') && existsSync(join(app, 'node_modules', name, 'package.json')),
  );
  const build = {
    ...pkg.build,
    electronVersion,
    // Already rebuilt below, in the staged copy.
    npmRebuild: false,
    directories: { ...pkg.build.directories, output: resolve(root, pkg.build.directories.output), buildResources: resolve(root, pkg.build.directories.buildResources) },
    nsis: { ...pkg.build.nsis, include: resolve(root, pkg.build.nsis.include) },
  };
  const manifest = {
    name: pkg.name,
    productName: pkg.build.productName,
    version: pkg.version,
    description: pkg.description,
    author: 'Ward station team <ward-station@localhost>',
    type: 'module',
    main: 'out/main/index.js',
    dependencies: Object.fromEntries(topLevel.map((name) => [name, versionOf(name)])),
    devDependencies: { electron: electronVersion },
    build,
  };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { app, electronVersion, modules };
}

/** Native modules rebuilt for Electron's ABI in the staged app (never in the project). */
export async function rebuildForElectron(app, electronVersion) {
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: app, electronVersion, force: true, onlyModules: ['better-sqlite3', '@serialport/bindings-cpp'] });
}

export function runElectronBuilder(app, args) {
  const cli = join(dirname(require.resolve('electron-builder/package.json')), 'cli.js');
  return spawnSync(process.execPath, [cli, '--projectDir', app, '--publish', 'never', ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { app, electronVersion } = stageDesktopApp();
  say(`staged the desktop app in ${app}; rebuilding native modules for Electron ${electronVersion}`);
  await rebuildForElectron(app, electronVersion);
  process.exit(runElectronBuilder(app, process.argv.slice(2)));
}
