/**
 * Native modules for `npm start` in a checkout. Electron runs on its own Node ABI, so the
 * desktop window needs a better-sqlite3 built for it, while the tests and `npm run gateway` need
 * node_modules' Node build. So `npm start` rebuilds a copy, in .electron-native/, with the same
 * @electron/rebuild call as the packaging step (main/packaging/dist.mjs; a prebuilt binary when
 * one is published, a compile against Electron's headers otherwise), once per Electron version.
 * serialport's binding needs nothing: it is N-API, which every ABI loads.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rebuildForElectron } from './dist.mjs';

/** Where `npm start` keeps the Electron build; main/index.ts hands it to the gateway. */
export const ELECTRON_SQLITE_BINDING = join('.electron-native', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/** The binding's path, built if missing or built for another Electron version. Throws when the rebuild fails. */
export async function prepareElectronNative(root, electronVersion) {
  const folder = join(root, '.electron-native');
  const binding = join(root, ELECTRON_SQLITE_BINDING);
  const stamp = join(folder, 'electron-version.txt');
  if (existsSync(binding) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion) return binding;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(folder, 'node_modules'), { recursive: true });
  const require = createRequire(join(root, 'package.json'));
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
  // Sources only: the copy must not start from node_modules' Node build.
  cpSync(source, join(folder, 'node_modules', 'better-sqlite3'), { recursive: true, filter: (path) => !path.startsWith(join(source, 'build')) });
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ name: 'electron-native', private: true, dependencies: { 'better-sqlite3': version } }, null, 2)}\n`);
  await rebuildForElectron(folder, electronVersion);
  if (!existsSync(binding)) throw new Error(`@electron/rebuild left no ${ELECTRON_SQLITE_BINDING}`);
  writeFileSync(stamp, electronVersion);
  return binding;
}

// `node main/packaging/electron-native.mjs`: prepare it without starting anything (what npm start does first).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const require = createRequire(join(root, 'package.json'));
  const version = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  process.stderr.write(`rebuilding better-sqlite3 for Electron ${version} into .electron-native/\n`);
  process.stdout.write(`${await prepareElectronNative(root, version)}\n`);
}
