import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { tempDir } from './helpers/station-fixture.js';

const ROOT = join(import.meta.dirname, '..');

describe('npm start', () => {
  it('finds the build tool it runs on a fresh clone (where nothing is built yet)', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'main', 'launch.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' })) as { buildToolExists: boolean };
    expect(out.buildToolExists).toBe(true);
  });

  const dir = tempDir();
  const stopDir = tempDir();
  afterAll(() => {
    dir.remove();
    stopDir.remove();
  });

  it('stops cleanly when stopped the moment it says it is ready (a supervisor may do just that)', async () => {
    const codes: Array<number | null> = [];
    for (let i = 0; i < 3; i++) {
      const child = spawn(process.execPath, [join(ROOT, 'out', 'main', 'gateway.js'), 'run', '--ready-json', '--data-dir', stopDir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--health-port', '0', '--no-mllp'], {
        cwd: ROOT,
        env: { ...process.env, WARD_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{"ready"')) child.kill('SIGTERM');
      });
      codes.push(await exited);
    }
    expect(codes).toEqual([0, 0, 0]);
  });

  it('says in one line why it runs headless, then serves the UI from the built app', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, WARD_LOG_LEVEL: 'warn' };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.WARD_HEADLESS;
    const child = spawn(process.execPath, [join(ROOT, 'main', 'launch.mjs'), '--ready-json', '--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--no-mllp'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines: string[] = [];
    const ready = await new Promise<{ uiUrl: string; demo: boolean }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.startsWith('{"ready"')) resolve(JSON.parse(line).ready);
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${lines.join('\n')}`)));
    });
    expect(lines.find((l) => l.includes('running the station headless'))).toMatch(/^No display is available/);
    // No configuration file in a fresh data folder: the demo ward runs.
    expect(ready.demo).toBe(true);
    const page = await fetch(ready.uiUrl.replace(/#.*/, ''));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
