import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import Database from 'better-sqlite3';
import { freePort, startGatewayProcess } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';
import { launchChromium } from '../helpers/chromium.js';
import { CONNECTION_MESSAGES } from '../../renderer/src/ConnectionBanner.js';

const RENDERER = join(import.meta.dirname, '..', '..', 'out', 'renderer');

/** Records the frequency of every oscillator the page starts: the tones it actually plays. */
const RECORD_TONES = () => {
  const played: number[] = [];
  (window as unknown as { tones: number[] }).tones = played;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
    played.push(this.frequency.value);
    return start.apply(this, args);
  };
};

describe('when the connection to the station goes wrong', () => {
  const dir = tempDir();
  let browser: Browser;
  let quietBrowser: Browser;
  let port: number;
  let args: string[];
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>>;
  beforeAll(async () => {
    port = await freePort();
    args = ['--data-dir', dir.path, '--ui-port', String(port), '--device-port', '0', '--no-mllp', '--demo', '--demo-beds', '4', '--renderer-dir', RENDERER];
    gateway = await startGatewayProcess(args);
    // One browser lets pages play sound at once (as the Electron window does); one applies the
    // autoplay policy of a normal desktop Chromium.
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
    quietBrowser = await launchChromium(['--autoplay-policy=document-user-activation-required']);
  });
  afterAll(async () => {
    await browser?.close();
    await quietBrowser?.close();
    gateway?.child.kill('SIGKILL');
    await gateway?.exited;
    dir.remove();
  });

  async function signIn(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Nurse').selectOption('demo');
    await page.getByLabel('PIN').fill('1234');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in').waitFor();
  }

  it('says the station is lost unmistakably, with a tone, and comes back after a restart with the nurse still signed in', async () => {
    // The token lives in the data folder, readable by the station's user only.
    expect(statSync(join(dir.path, 'ui-token')).mode & 0o777).toBe(0o600);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(RECORD_TONES);
    await page.goto(gateway.ready.uiUrl);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Live');
    await signIn(page);
    const state = page.getByTestId('bed-DEMO-01').getByTestId('device-state');
    await expect.poll(() => state.textContent()).toBe('monitoring');

    gateway.child.kill('SIGKILL');
    await gateway.exited;
    const banner = page.getByTestId('connection-banner');
    await expect.poll(() => banner.textContent()).toBe(CONNECTION_MESSAGES.disconnected);
    const box = (await banner.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(1400 - 1);
    await expect.poll(() => state.textContent()).toBe('not current');
    expect(await page.getByTestId('alarm-bar').getAttribute('class')).toContain('not-current');
    expect(await page.getByRole('button', { name: /Audio pause unknown/ }).isDisabled()).toBe(true);
    // The page's own "station lost" tone (740 then 440 Hz).
    await expect.poll(() => page.evaluate(() => (window as unknown as { tones: number[] }).tones)).toEqual(expect.arrayContaining([740, 440]));

    gateway = await startGatewayProcess(args);
    await expect.poll(() => page.getByTestId('connection-status').textContent(), { timeout: 30_000 }).toBe('Live');
    expect(await banner.count()).toBe(0);
    await expect.poll(() => page.getByTestId('signed-in').textContent()).toContain('Demo Nurse');
    await expect.poll(() => state.textContent()).toBe('monitoring');
    // A reload keeps working too: the link the station printed is still valid.
    await page.reload();
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Live');
    await expect.poll(() => page.getByTestId('signed-in').textContent()).toContain('Demo Nurse');
    await page.close();
  });

  it('tells a page without a token, or with a wrong one, what is wrong instead of "unreachable"', async () => {
    const page = await browser.newPage();
    await page.goto(gateway.ready.uiUrl.replace(/#.*$/, ''));
    await expect.poll(() => page.getByTestId('connection-banner').textContent()).toBe(CONNECTION_MESSAGES.no_token);
    await page.goto(gateway.ready.uiUrl.replace(/#token=.*/, '#token=wrong-token'));
    await page.reload();
    await expect.poll(() => page.getByTestId('connection-banner').textContent()).toBe(CONNECTION_MESSAGES.token_refused);
    expect(await page.locator('[data-testid^="bed-"]').count()).toBe(0);
    const check = await fetch(`http://127.0.0.1:${port}/ui/token-check`, { headers: { authorization: `Bearer ${gateway.ready.token}` } });
    expect(check.status).toBe(204);
    await page.close();
  });

  it('says the sound is off until a click lets the page play it', async () => {
    const page = await quietBrowser.newPage();
    await page.goto(gateway.ready.uiUrl);
    const banner = page.getByTestId('sound-off');
    await expect.poll(() => banner.textContent()).toBe('Sound is off — click to enable');
    await banner.click();
    await expect.poll(() => banner.count()).toBe(0);
    await page.close();
  });

  it('pauses the audio without a signed-in nurse, and records it as the screen', async () => {
    const page = await browser.newPage();
    await page.goto(gateway.ready.uiUrl);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Live');
    expect(await page.getByTestId('signed-in').count()).toBe(0);
    await page.getByRole('button', { name: /Pause audio/ }).click();
    await expect.poll(() => page.getByRole('button', { name: /Audio paused/ }).count()).toBe(1);
    await page.close();
    const db = new Database(join(dir.path, 'station.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT actor FROM audit_log WHERE action = 'alarm.pause_audio'").all()).toEqual([{ actor: 'screen:unsigned' }]);
    } finally {
      db.close();
    }
  });
});
