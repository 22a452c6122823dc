import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { tempDir } from '../helpers/station-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GATEWAY = join(ROOT, 'out', 'main', 'gateway.js');
const WARD_STATION = join(ROOT, 'gateway', 'packaging', 'ward-station.mjs');

/**
 * An installed station's first start, as its entry point runs it (WARD_INSTALLED=1 and the
 * command IT uses, here the Debian package's `ward-station`): no configuration, no demo ward, and
 * a screen saying how to set the ward up. The test follows the screen: it imports the CSV shown
 * with the command shown, and the ward appears in place of the guide.
 */
describe('first run of an installed station', () => {
  const dir = tempDir('ward-first-run-');
  const work = tempDir('ward-first-run-it-');
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let ready: { uiUrl: string; demo: boolean; dataDir: string };
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(GATEWAY)) throw new Error('gateway not built: npm test builds it first (electron-vite build)');
    child = spawn(process.execPath, [GATEWAY, 'run', '--ready-json', '--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--health-port', '0', '--no-mllp'], {
      cwd: ROOT,
      env: { ...process.env, WARD_INSTALLED: '1', WARD_COMMAND: 'ward-station', WARD_LOG_LEVEL: 'warn', WARD_RENDERER_DIR: join(ROOT, 'out', 'renderer') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.once('exit', resolve));
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    ready = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{"ready"')) resolve(JSON.parse(line).ready);
      });
      void exited.then((code) => reject(new Error(`station exited (${code}): ${stderr}`)));
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
    await exited;
    dir.remove();
    work.remove();
  });

  it('starts without the demo ward and explains the configuration file, the import and the cloud', async () => {
    expect(ready.demo).toBe(false);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
    await page.goto(ready.uiUrl);
    const guide = page.getByTestId('setup-guide');
    await guide.waitFor();
    expect(await guide.getByRole('heading', { level: 2 }).textContent()).toBe('Set up this ward');
    expect(await guide.textContent()).toContain('the demo ward is off');
    expect(await page.getByTestId('setup-config-file').textContent()).toBe(join(dir.path, 'station.json'));
    expect(await page.getByTestId('setup-import-command').textContent()).toBe(`ward-station import --from ward.csv --keys device-keys.txt --data-dir ${dir.path}`);
    expect(await page.getByTestId('setup-cloud').textContent()).toMatch(/works fully without it.*provision/);
    await page.screenshot({ path: join(ROOT, 'test', 'e2e', 'screenshots', 'first-run.png') });

    // IT follows the screen: the CSV shown, imported with the command shown.
    const csv = await guide.locator('pre').nth(1).textContent();
    expect(csv).toMatch(/^kind,id,name,model,transport,bed,pin\n/);
    writeFileSync(join(work.path, 'ward.csv'), `${csv}\n`);
    const [command, ...args] = (await page.getByTestId('setup-import-command').textContent())!.split(' ');
    expect(command).toBe('ward-station');
    const result = spawnSync(process.execPath, [WARD_STATION, ...args], { cwd: work.path, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(existsSync(join(work.path, 'device-keys.txt'))).toBe(true);

    // The ward takes the guide's place without a reload.
    await page.getByTestId('bed-4B-01').waitFor();
    expect(await page.getByTestId('setup-guide').count()).toBe(0);
    expect(await page.getByTestId('bed-4B-02').count()).toBe(1);
    await page.close();
  });
});
