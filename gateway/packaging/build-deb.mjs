#!/usr/bin/env node
/**
 * `npm run package:deb`: the Debian package of the headless station, built from this checkout.
 *
 *   /usr/lib/ward-station/   the built gateway (out/main), the built UI (out/renderer), the
 *                            `ward-station` launcher and the production modules it imports
 *   /usr/bin/ward-station    the command (a link to the launcher)
 *   /lib/systemd/system/ward-station.service, /etc/ward-station/station.json (a conffile)
 *
 * The modules are the closure of what the built JavaScript imports, copied from node_modules
 * (so native ones are the binaries built for this Node: the package depends on the same Node
 * major). Output: out/deb/ward-station_VERSION_ARCH.deb. Needs dpkg-deb (Debian/Ubuntu).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'gateway', 'packaging', 'debian');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const nodeMajor = Number(process.versions.node.split('.')[0]);
const name = `ward-station_${pkg.version}_${arch}`;
const stage = join(root, 'out', 'deb', name);
const lib = join(stage, 'usr', 'lib', 'ward-station');

/** Bare module names imported by the gateway's built files (not the Electron shell's). */
function importedPackages() {
  const dir = join(root, 'out', 'main');
  const files = ['gateway.js', 'storage-worker.js', 'backup-worker.js', ...readdirSync(join(dir, 'chunks')).map((f) => `chunks/${f}`)];
  const names = new Set();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)["']([^"'./][^"']*)["']/g)) {
      const spec = match[1];
      if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  if (names.has('electron')) throw new Error('the gateway bundle imports electron; the layering rule is broken');
  return [...names].sort();
}

/** Where Node would find `name` from `fromDir`, walking up node_modules folders. */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return null;
  }
}

/**
 * Named in the bundle but not needed by an installed station: tsx only loads the workers from
 * sources in a checkout; prebuild-install and node-addon-api only build native modules.
 */
const NOT_AT_RUN_TIME = new Set(['tsx', 'prebuild-install', 'node-addon-api']);

/** The packages needed at run time: the imports and their dependencies, transitively. */
function closure(names) {
  const found = new Map();
  const queue = names.map((n) => [n, root]);
  while (queue.length > 0) {
    const [name, from] = queue.shift();
    if (NOT_AT_RUN_TIME.has(name)) continue;
    const dir = locate(name, from);
    if (!dir) continue; // an optional dependency not installed on this platform
    if (found.has(dir)) continue;
    found.set(dir, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) queue.push([dep, dir]);
  }
  return found;
}

/** Sources and build leftovers of native modules are not needed at run time. */
const SKIP = { 'better-sqlite3': ['deps', 'src', 'build/Release/obj', 'build/Release/obj.target', 'build/Release/.deps', 'build/Release/test_extension.node', 'build/deps'] };

buildIfStale(root);
rmSync(stage, { recursive: true, force: true });
mkdirSync(lib, { recursive: true });
cpSync(join(root, 'out', 'main'), join(lib, 'out', 'main'), { recursive: true, filter: (src) => !src.endsWith(`${join('out', 'main', 'index.js')}`) });
cpSync(join(root, 'out', 'renderer'), join(lib, 'out', 'renderer'), { recursive: true });
mkdirSync(join(lib, 'gateway', 'packaging'), { recursive: true });
for (const file of ['ward-station.mjs', 'build-if-stale.mjs']) copyFileSync(join(root, 'gateway', 'packaging', file), join(lib, 'gateway', 'packaging', file));
chmodSync(join(lib, 'gateway', 'packaging', 'ward-station.mjs'), 0o755);
writeFileSync(join(lib, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`);
const modules = closure(importedPackages());
for (const [dir, moduleName] of modules) {
  const target = join(lib, 'node_modules', relative(join(root, 'node_modules'), dir));
  const skip = (SKIP[moduleName] ?? []).map((p) => join(dir, p));
  cpSync(dir, target, { recursive: true, dereference: true, filter: (src) => !skip.some((s) => src === s || src.startsWith(`${s}/`)) });
}
mkdirSync(join(stage, 'usr', 'bin'), { recursive: true });
symlinkSync('../lib/ward-station/gateway/packaging/ward-station.mjs', join(stage, 'usr', 'bin', 'ward-station'));
mkdirSync(join(stage, 'lib', 'systemd', 'system'), { recursive: true });
copyFileSync(join(here, 'ward-station.service'), join(stage, 'lib', 'systemd', 'system', 'ward-station.service'));
mkdirSync(join(stage, 'etc', 'ward-station'), { recursive: true });
copyFileSync(join(here, 'station.json'), join(stage, 'etc', 'ward-station', 'station.json'));
mkdirSync(join(stage, 'usr', 'share', 'doc', 'ward-station'), { recursive: true });
copyFileSync(join(root, 'README.md'), join(stage, 'usr', 'share', 'doc', 'ward-station', 'README.md'));

mkdirSync(join(stage, 'DEBIAN'));
const installedKb = Math.ceil(Number(execFileSync('du', ['-sk', stage], { encoding: 'utf8' }).split('\t')[0]));
writeFileSync(
  join(stage, 'DEBIAN', 'control'),
  [
    'Package: ward-station',
    `Version: ${pkg.version}`,
    `Architecture: ${arch}`,
    'Maintainer: Ward station team <ward-station@localhost>',
    `Depends: nodejs (>= ${nodeMajor}.19), nodejs (<< ${nodeMajor + 1}), adduser`,
    'Section: misc',
    'Priority: optional',
    `Installed-Size: ${installedKb}`,
    'Description: Ward station, headless: the ward\'s device gateway and alarms as a service',
    ' Receives vitals from bedside monitors (WebSocket, HL7 v2 over MLLP, serial), stores them',
    ' in SQLite, raises alarms locally, serves the ward screen to browsers on loopback and syncs',
    ' to the cloud. Runs as the ward-station systemd service; data in /var/lib/ward-station.',
    '',
  ].join('\n'),
);
writeFileSync(join(stage, 'DEBIAN', 'conffiles'), '/etc/ward-station/station.json\n');
for (const script of ['postinst', 'prerm', 'postrm']) {
  copyFileSync(join(here, script), join(stage, 'DEBIAN', script));
  chmodSync(join(stage, 'DEBIAN', script), 0o755);
}
const deb = join(root, 'out', 'deb', `${name}.deb`);
execFileSync('dpkg-deb', ['--root-owner-group', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(`${JSON.stringify({ deb, modules: [...new Set(modules.values())].sort() })}\n`);
