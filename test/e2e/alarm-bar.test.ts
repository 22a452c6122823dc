import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import type { Station } from '../../gateway/station.js';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation } from '../helpers/station-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('alarm bar in Chromium', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;
  let device: DeviceClient;
  beforeAll(async () => {
    ({ station, stop } = await startTestStation({ rendererDir: join(ROOT, 'out', 'renderer') }));
    station.ward.addBed('B1', 'Bed 1', 't');
    station.ward.admit({ bedId: 'B1', mrn: 'M1', name: 'Pat One' }, 't');
    station.nurses.add('ann', 'Ann Smith', '4711', 't');
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 't').key!;
    device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
    await device.connect();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await device?.close();
    await browser?.close();
    await stop?.();
  });

  it('shows a new alarm at once, acknowledges it with the nurse, pauses audio with a countdown', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(station.ui.pageUrl);
    await page.getByTestId('bed-B1').waitFor();
    device.send({ SPO2: 80, HR: 100 });
    const alarm = page.getByTestId('alarm-SPO2_LOW');
    await alarm.waitFor();
    expect(await alarm.getAttribute('class')).toContain('alarm-high');
    expect(await page.getByTestId('bed-B1').getAttribute('data-alarm')).toBe('high');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Nurse').selectOption('ann');
    await page.getByLabel('PIN').fill('4711');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in').waitFor();

    await alarm.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alarm.textContent()).toContain('seen by ann');
    await page.getByRole('button', { name: /Pause audio/ }).click();
    await expect.poll(() => page.getByRole('button', { name: /Audio paused/ }).textContent()).toMatch(/Audio paused [12]:\d\d/);
    await page.screenshot({ path: join(ROOT, 'test', 'artifacts', 'alarm-bar.png') });
    const actions = station.db.prepare("SELECT phase, inactivation, actor FROM alarm_events WHERE condition = 'SPO2_LOW' ORDER BY id").all();
    expect(actions).toEqual([
      { phase: 'start', inactivation: 'none', actor: null },
      { phase: 'update', inactivation: 'acknowledged', actor: 'nurse:ann' },
    ]);
    expect(station.db.prepare("SELECT actor FROM audit_log WHERE action = 'alarm.pause_audio'").all()).toEqual([{ actor: 'nurse:ann' }]);

    // Limits are edited from the bed's detail, and audited.
    await page.getByRole('button', { name: 'Open Bed 1' }).click();
    const hrLimits = page.getByRole('form', { name: 'Heart rate limits' });
    await expect.poll(() => hrLimits.getByLabel('Heart rate high').inputValue()).toBe('120');
    await hrLimits.getByLabel('Heart rate high').fill('110');
    await hrLimits.getByRole('button', { name: 'Set' }).click();
    await expect.poll(() => station.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'alarm.limits'").get()).toEqual({ n: 1 });
    expect(station.alarms.limitsOf('B1', 'HR')).toEqual({ low: 50, high: 110 });
    await page.close();
  });
});
