import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { STORAGE_ROLES, workerEntry } from '../gateway/storage/storage-messages.js';
import { freePort } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

const ROOT = join(import.meta.dirname, '..');

/**
 * Runs a built gateway (`<mainDir>/gateway.js run`) with a cloud configured, so all four storage
 * threads open at start (the cloud itself is not there: the sync thread opens all the same).
 * Resolves with the exit code and stderr; stops the station with SIGTERM once it says it is ready.
 */
async function runBuiltGateway(mainDir: string, dataDir: string): Promise<{ code: number | null; ready: boolean; stderr: string }> {
  const configFile = join(dataDir, 'station.json');
  writeFileSync(configFile, JSON.stringify({ cloud: { url: `http://127.0.0.1:${await freePort()}`, stationId: 'ward-4b', secret: 'a-secret-of-16-chars' } }));
  const args = ['run', '--ready-json', '--config', configFile, '--data-dir', dataDir, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--health-port', '0', '--no-mllp', '--no-demo'];
  const child = spawn(process.execPath, [join(mainDir, 'gateway.js'), ...args, '--renderer-dir', join(ROOT, 'out', 'renderer')], {
    cwd: ROOT,
    env: { ...process.env, WARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let ready = false;
  child.stderr!.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{"ready"')) return;
    ready = true;
    child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, ready, stderr };
}

describe('the storage threads of the built gateway', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterAll(() => dirs.forEach((dir) => dir.remove()));
  function dataDir(): string {
    const dir = tempDir();
    dirs.push(dir);
    return dir.path;
  }

  it('each start from its own entry file in out/main (writer, checkpointer, reader, sync)', async () => {
    expect(await runBuiltGateway(join(ROOT, 'out', 'main'), dataDir())).toEqual({ code: 0, ready: true, stderr: '' });
  });

  // A copy of the build inside out/, so its imports still resolve to this checkout's node_modules.
  it.each(STORAGE_ROLES)('refuse to start from a build without the %s entry, and say which', async (role) => {
    const build = mkdtempSync(join(ROOT, 'out', `missing-${role}-`));
    dirs.push({ remove: () => rmSync(build, { recursive: true, force: true }) });
    cpSync(join(ROOT, 'out', 'main'), join(build, 'main'), { recursive: true, filter: (src) => !src.endsWith(`${workerEntry(role)}.js`) });
    const run = await runBuiltGateway(join(build, 'main'), dataDir());
    expect(run).toMatchObject({ ready: false, code: 1 });
    expect(run.stderr).toContain(`${role} thread cannot start: ${workerEntry(role)}.js is missing beside the gateway bundle`);
  });
});
