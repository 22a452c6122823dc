/**
 * The npm packages an installed station needs at run time: what the built gateway imports
 * (found in the bundle's own import statements) and their dependencies, transitively, as
 * installed in node_modules. Used by the Debian package and the desktop installers alike.
 */
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** Bare module names imported by the gateway's built files (not the Electron shell's). */
export function importedPackages(root) {
  const dir = join(root, 'out', 'main');
  // Every entry but the Electron shell's (index.js): the gateway, its worker threads, their chunks.
  const entries = readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'index.js');
  const files = [...entries, ...readdirSync(join(dir, 'chunks')).map((f) => `chunks/${f}`)];
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
export function locate(name, fromDir) {
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
export function closure(root, names) {
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

/**
 * Copies the run-time packages into `appDir`/node_modules (links resolved); returns their names.
 * `trimNativeSources` leaves out native modules' C sources: right for a package that uses the
 * binaries as built, wrong for one that rebuilds them (for Electron).
 */
export function copyRuntimeModules(root, appDir, { trimNativeSources }) {
  const modules = closure(root, importedPackages(root));
  for (const [dir, moduleName] of modules) {
    const target = join(appDir, 'node_modules', relative(join(root, 'node_modules'), dir));
    const skip = trimNativeSources ? (SKIP[moduleName] ?? []).map((p) => join(dir, p)) : [];
    cpSync(dir, target, { recursive: true, dereference: true, filter: (src) => !skip.some((s) => src === s || src.startsWith(`${s}/`)) });
  }
  return [...new Set(modules.values())].sort();
}
