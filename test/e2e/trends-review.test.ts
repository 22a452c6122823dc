import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import type { Station } from '../../gateway/station.js';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation } from '../helpers/station-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCREENSHOTS = join(ROOT, 'test', 'e2e', 'screenshots');
const MIN = 60_000;

async function xSpanSeconds(chart: Locator): Promise<number> {
  await expect.poll(() => chart.getAttribute('data-x-max')).not.toBeNull();
  return Number(await chart.getAttribute('data-x-max')) - Number(await chart.getAttribute('data-x-min'));
}

describe('trends and the alarm review', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;
  const devices: DeviceClient[] = [];
  const start = Date.now();
  beforeAll(async () => {
    ({ station, stop } = await startTestStation({ rendererDir: join(ROOT, 'out', 'renderer') }));
    for (const [bed, name] of [['T1', 'Ada Lovelace'], ['T2', 'Alan Turing']] as const) {
      station.ward.addBed(bed, `Bed ${bed}`, 't');
      station.ward.admit({ bedId: bed, mrn: `MRN-${bed}`, name }, 't');
      const key = station.registry.register({ id: `mon-${bed}`, model: 'Monitor', transport: 'websocket', bedId: bed }, 't').key!;
      const device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
      await device.connect();
      devices.push(device);
    }
    station.nurses.add('ann', 'Ann Smith', '4711', 't');
    station.state.layoutChanged();
    // Bed T1: HR every 10 s from 50 to 40 min ago, nothing for half an hour, then the last 10 min;
    // one NIBP 20 min ago. Bed T2: one NIBP 90 min ago.
    let last = 0;
    for (let ts = start - 50 * MIN; ts <= start; ts += 10_000) {
      if (ts > start - 40 * MIN && ts < start - 10 * MIN) continue;
      if (Math.abs(ts - (start - 20 * MIN)) < 5000) continue;
      last = devices[0]!.send({ HR: 70 + Math.round(5 * Math.sin(ts / 120_000)), SPO2: 97 }, ts);
    }
    devices[0]!.send({ NIBP_SYS: 124, NIBP_DIA: 78, NIBP_MEAN: 93 }, start - 20 * MIN);
    await devices[0]!.acked(last);
    await devices[1]!.acked(devices[1]!.send({ NIBP_SYS: 131, NIBP_DIA: 84, NIBP_MEAN: 100 }, start - 90 * MIN));
    // As in the Electron window, the page may play sound without a click first.
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  });
  afterAll(async () => {
    for (const d of devices) await d.close();
    await browser?.close();
    await stop?.();
  });

  async function open(): Promise<Page> {
    // A 12-hour locale: the station still shows a 24-hour clock.
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
    await page.goto(station.ui.pageUrl);
    await page.getByTestId('bed-T2').waitFor();
    return page;
  }

  it('honours the window, breaks lines at gaps, and shows NIBP as timed measurements that grey when old', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Open Bed T1' }).click();
    const detail = page.getByTestId('bed-detail');
    const hr = detail.getByTestId('trend-HR');
    expect(await xSpanSeconds(hr)).toBeCloseTo(3600, 0);
    expect(await hr.getAttribute('data-segments')).toBe('2');
    const nibp = detail.getByTestId('trend-NIBP');
    // One measurement: the axis still spans the hour, not years.
    expect(await xSpanSeconds(nibp.locator('.trend-chart'))).toBeCloseTo(3600, 0);
    await expect.poll(() => nibp.getByTestId('nibp-measurement').allTextContents()).toEqual([expect.stringMatching(/^\d\d:\d\d 124\/78 mmHg$/)]);
    // The time shown is the measurement's (to the second's bucket it falls in).
    const shown = (await nibp.getByTestId('nibp-measurement').textContent())!.split(' ')[0];
    const minute = (ts: number) => `${String(new Date(ts).getHours()).padStart(2, '0')}:${String(new Date(ts).getMinutes()).padStart(2, '0')}`;
    expect([minute(start - 20 * MIN), minute(start - 20 * MIN - 1000)]).toContain(shown);
    expect(await nibp.getAttribute('data-stale')).toBe('false');
    await page.screenshot({ path: join(SCREENSHOTS, 'trends.png') });

    await detail.getByRole('button', { name: '8 h' }).click();
    await expect.poll(() => xSpanSeconds(hr)).toBeCloseTo(8 * 3600, 0);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Open Bed T2' }).click();
    await page.getByTestId('bed-detail').getByRole('button', { name: '8 h' }).click();
    const old = page.getByTestId('bed-detail').getByTestId('trend-NIBP');
    await expect.poll(() => old.getByTestId('nibp-measurement').allTextContents()).toEqual([expect.stringMatching(/ 131\/84 mmHg$/)]);
    expect(await old.getAttribute('data-stale')).toBe('true');
    await page.close();
  });

  it('lists what alarmed, when, for how long, and who acknowledged or paused it, per bed and for the ward', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Nurse').selectOption('ann');
    await page.getByLabel('PIN').fill('4711');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in').waitFor();
    devices[0]!.send({ SPO2: 80, HR: 72 });
    const alarm = page.getByTestId('alarm-SPO2_LOW');
    await alarm.waitFor();
    await page.getByRole('button', { name: /Pause audio/ }).click();
    await expect.poll(() => page.getByRole('button', { name: /Audio paused/ }).count()).toBe(1);
    await alarm.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alarm.textContent()).toContain('seen by ann');
    devices[0]!.send({ SPO2: 98, HR: 72 });
    await alarm.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Alarm review' }).click();
    const ward = page.getByTestId('ward-alarm-review');
    const row = ward.getByTestId('review-SPO2_LOW');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('Bed T1');
    expect(cells[1]).toMatch(/^SpO₂ low 80 \(limit \d+\)$/);
    expect(cells[2]).toBe('high');
    expect(cells[3]).toMatch(/\d\d:\d\d$/);
    expect(cells[3]).not.toMatch(/AM|PM/);
    expect(cells[4]).toMatch(/^\d+:\d\d$/);
    expect(cells[5]).toMatch(/^ann, .*\d\d:\d\d$/);
    expect(cells[6]).toMatch(/^ann, .*\d\d:\d\d$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'alarm-review.png') });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Open Bed T1' }).click();
    const bedRow = page.getByTestId('bed-detail').getByTestId('alarm-review').getByTestId('review-SPO2_LOW');
    await expect.poll(() => bedRow.locator('td').first().textContent()).toMatch(/^SpO₂ low 80/);
    await page.keyboard.press('Escape');
    // Bed T2's monitor went quiet after its one frame: device offline, 10 s later.
    await expect.poll(() => station.alarms.view().present.some((a) => a.bedId === 'T2' && a.condition === 'DEVICE_OFFLINE'), { timeout: 30_000 }).toBe(true);
    await page.getByRole('button', { name: 'Open Bed T2' }).click();
    // Bed T2's review has its own alarms, not T1's.
    const other = page.getByTestId('bed-detail').getByTestId('alarm-review');
    await other.getByTestId('review-DEVICE_OFFLINE').first().waitFor();
    expect(await other.getByTestId('review-SPO2_LOW').count()).toBe(0);
    await page.close();
  });
});
