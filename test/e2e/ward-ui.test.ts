import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { WebSocket } from 'ws';
import type { Station } from '../../gateway/station.js';
import { startTestStation } from '../helpers/station-fixture.js';
import { CONNECTION_MESSAGES } from '../../renderer/src/ConnectionBanner.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RENDERER = join(ROOT, 'out', 'renderer');
const ARTIFACTS = join(ROOT, 'test', 'artifacts');

describe('the station UI in Chromium against the headless gateway', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('renderer not built: npm test builds it first (electron-vite build)');
    ({ station, stop } = await startTestStation({ demo: true, demoBeds: 16, rendererDir: RENDERER }));
    // As in the Electron window, the page may play sound without a click first.
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
  });

  it("shows a demo patient's live value change without reloading", async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(station.ui.pageUrl);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Live');
    const hr = page.getByTestId('bed-DEMO-01').getByTestId('value-HR').locator('.number');
    await page.waitForFunction((el) => /^\d+$/.test(el?.textContent ?? ''), await hr.elementHandle());
    await expect(page.getByTestId('bed-DEMO-01')).toBeTruthy();
    const patient = await page.getByTestId('bed-DEMO-01').locator('.patient').textContent();
    expect(patient).toContain('DEMO000001');
    // Values are pushed: wait until any vital on the tile changes from what was first shown.
    const tile = page.getByTestId('bed-DEMO-01').locator('.values');
    const first = await tile.textContent();
    await page.waitForFunction(
      ([el, before]) => (el as HTMLElement).textContent !== before,
      [await tile.elementHandle(), first] as const,
      { timeout: 30_000 },
    );
    expect(await tile.textContent()).not.toBe(first);
    // The README's picture: wait until the sparklines have a few seconds of line to show.
    const spark = page.getByTestId('bed-DEMO-01').getByTestId('sparkline').first().locator('path');
    await expect.poll(async () => ((await spark.getAttribute('d')) ?? '').split('L').length, { timeout: 60_000 }).toBeGreaterThan(10);
    await page.screenshot({ path: join(ROOT, 'test', 'e2e', 'screenshots', 'ward.png') });
    await page.close();
  });

  it('opens a bed: trends from SQLite, discharge, admit, unassign and assign a device', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(station.ui.pageUrl);
    // Changes need a signed-in nurse; a wrong PIN is refused.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Nurse').selectOption('demo');
    await page.getByLabel('PIN').fill('9999');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/wrong PIN/);
    await page.getByLabel('PIN').fill('1234');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in').textContent()).toContain('Demo Nurse');

    await page.getByRole('button', { name: 'Open Bed 2' }).click();
    const detail = page.getByTestId('bed-detail');
    await detail.getByTestId('trend-HR').locator('canvas').first().waitFor();
    await detail.getByRole('button', { name: '8 h' }).click();
    await expect.poll(() => detail.getByRole('button', { name: '8 h' }).getAttribute('aria-pressed')).toBe('true');

    await detail.getByRole('button', { name: 'Discharge' }).click();
    await expect.poll(() => page.getByTestId('bed-DEMO-02').locator('.patient').textContent()).toBe('Empty bed');
    await detail.getByLabel('Name').fill('Rosalind Franklin');
    await detail.getByLabel('MRN').fill('RF-1920');
    await detail.getByLabel('Date of birth').fill('1920-07-25');
    await detail.getByRole('button', { name: 'Admit' }).click();
    await expect.poll(() => page.getByTestId('bed-DEMO-02').locator('.patient').textContent()).toBe('Rosalind Franklin · RF-1920');
    expect(station.ward.beds().find((b) => b.id === 'DEMO-02')?.patient).toMatchObject({ mrn: 'RF-1920', birthDate: '1920-07-25' });

    await detail.getByRole('button', { name: 'Unassign' }).click();
    await expect.poll(() => detail.getByText('No device assigned.').count()).toBe(1);
    await detail.getByLabel('Assign device').selectOption('demo-monitor-02');
    await expect.poll(() => detail.getByRole('button', { name: 'Unassign' }).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'bed-detail.png') });
    await detail.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Devices' }).click();
    const row = page.getByTestId('device-demo-monitor-02');
    await expect.poll(() => row.textContent()).toMatch(/demo-monitor-02Demo multiparameter monitorWebSocketBed 2connected\d+ s ago/);
    await page.screenshot({ path: join(ARTIFACTS, 'devices.png') });
    const audit = station.db.prepare("SELECT action FROM audit_log WHERE actor = 'nurse:demo' ORDER BY id").all().map((r) => (r as { action: string }).action);
    expect(audit).toEqual(['session.sign_in_failed', 'session.sign_in', 'patient.discharge', 'patient.admit', 'device.assign', 'device.assign']);
    await page.close();
  });

  it("refuses the UI channel without the station's token", async () => {
    const page = await browser.newPage();
    await page.goto(station.ui.pageUrl.replace(/#token=.*/, '#token=wrong'));
    await expect.poll(() => page.getByTestId('connection-banner').textContent()).toBe(CONNECTION_MESSAGES.token_refused);
    expect(await page.locator('[data-testid^="bed-"]').count()).toBe(0);
    await page.close();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${station.ui.channelUrl}?token=nope`);
      ws.on('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(401);
  });
});
