import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import type { Station } from '../../gateway/station.js';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation } from '../helpers/station-fixture.js';
import { contrast, hexRgb, hueDistance, hueOf, parseRgb } from './colour.js';
import { clockTime } from '../../renderer/src/time-format.js';
import { PARAMETER_COLOUR } from '../../renderer/src/parameter-colours.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BEDS = 16;
const bedId = (i: number) => `B${String(i).padStart(2, '0')}`;
const ALARM_COLOURS = ['#ff3b30', '#ffd60a', '#64d2ff'].map((c) => hueOf(hexRgb(c)).hue);

/** Iteration length (ms) of the CSS animation running on an element, or null when steady. */
function flashPeriod(locator: Locator): Promise<number | null> {
  return locator.evaluate((el) => {
    const animation = el.getAnimations()[0];
    return animation ? Number(animation.effect?.getTiming().duration) : null;
  });
}

/** Text and background colours of an element at a given point of its flash cycle. */
function coloursAt(locator: Locator, phase: number): Promise<{ color: string; background: string }> {
  return locator.evaluate((el, at) => {
    for (const a of el.getAnimations()) {
      a.pause();
      a.currentTime = at * Number(a.effect?.getTiming().duration);
    }
    const style = getComputedStyle(el);
    const result = { color: style.color, background: style.backgroundColor };
    for (const a of el.getAnimations()) a.play();
    return result;
  }, phase);
}

describe('what a nurse sees from across the room', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;
  const devices: DeviceClient[] = [];
  beforeAll(async () => {
    ({ station, stop } = await startTestStation({ rendererDir: join(ROOT, 'out', 'renderer') }));
    for (let i = 1; i <= BEDS; i++) {
      station.ward.addBed(bedId(i), `Bed ${i}`, 't');
      station.ward.admit({ bedId: bedId(i), mrn: `M${i}`, name: `Patient ${i}` }, 't');
    }
    for (let i = 1; i <= 5; i++) {
      const key = station.registry.register({ id: `mon-${i}`, model: 'Monitor', transport: 'websocket', bedId: bedId(i) }, 't').key!;
      const device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
      await device.connect();
      devices.push(device);
    }
    station.state.layoutChanged();
    // As in the Electron window, the page may play sound without a click first.
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  });
  afterAll(async () => {
    for (const d of devices) await d.close();
    await browser?.close();
    await stop?.();
  });

  async function open(width: number, height: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height }, locale: 'en-US' });
    await page.goto(station.ui.pageUrl);
    await page.getByTestId(`bed-${bedId(BEDS)}`).waitFor();
    return page;
  }

  it('fills a 1920x1080 screen with 16 beds, numbers as large as the tiles allow', async () => {
    const page = await open(1920, 1080);
    const ward = (await page.getByTestId('ward').boundingBox())!;
    const tiles = await page.locator('[data-testid^="bed-B"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => r.width * r.height));
    expect(tiles).toHaveLength(BEDS);
    // Tiles and the gaps between them: at least 85 % of the ward area is tiles.
    expect(tiles.reduce((a, b) => a + b, 0) / (ward.width * ward.height)).toBeGreaterThan(0.85);
    const fontSize = await page.getByTestId(`bed-${bedId(1)}`).getByTestId('value-HR').locator('.number').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(40);
    // Every tile is whole on screen: nothing to scroll.
    expect(await page.getByTestId('ward').evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
    await page.close();
  });

  it('flashes, colours and times alarms, without moving the ward', async () => {
    const page = await open(1920, 1080);
    const lastTile = page.getByTestId(`bed-${bedId(BEDS)}`);
    const before = await lastTile.boundingBox();
    devices[0]!.send({ SPO2: 80, HR: 90 }); // high at once (severe)
    devices[1]!.send({ NIBP_SYS: 170, NIBP_DIA: 90 }); // medium
    devices[2]!.send({ TEMP: 39.2 }); // low
    const high = page.getByTestId('alarm-SPO2_LOW');
    const medium = page.getByTestId('alarm-NIBP_SYS_HIGH');
    const low = page.getByTestId('alarm-TEMP_HIGH');
    await Promise.all([high.waitFor(), medium.waitFor(), low.waitFor()]);
    expect(await lastTile.boundingBox()).toEqual(before);

    // IEC 60601-1-8: high about 2 Hz, medium slower (0.4–0.8 Hz), low steady.
    expect(await flashPeriod(high)).toBe(500);
    expect(await flashPeriod(medium)).toBeGreaterThanOrEqual(1250);
    expect(await flashPeriod(medium)).toBeLessThanOrEqual(2500);
    expect(await flashPeriod(low)).toBeNull();
    const spo2 = page.getByTestId(`bed-${bedId(1)}`).getByTestId('value-SPO2');
    expect(await flashPeriod(spo2)).toBe(500);
    expect(await flashPeriod(page.getByTestId(`bed-${bedId(3)}`).getByTestId('value-TEMP'))).toBeNull();

    // The alarming value is filled with its priority colour and shows the limit it crossed.
    const alarm = station.alarms.view().present.find((a) => a.condition === 'SPO2_LOW')!;
    expect(await spo2.getAttribute('data-alarm')).toBe('high');
    expect(await spo2.getByTestId('limit').textContent()).toBe(`<${alarm.limit}`);
    const filled = await coloursAt(spo2, 0.25);
    expect(hueDistance(hueOf(parseRgb(filled.background)).hue, ALARM_COLOURS[0]!)).toBeLessThan(15);
    expect(await page.getByTestId(`bed-${bedId(2)}`).getByTestId('value-NIBP').getAttribute('data-alarm')).toBe('medium');

    // Text on every alarm row reads at WCAG AA in both halves of the flash.
    for (const row of [high, medium, low]) {
      for (const phase of [0.25, 0.75]) {
        const { color, background } = await coloursAt(row, phase);
        expect(contrast(parseRgb(color), parseRgb(background))).toBeGreaterThanOrEqual(4.5);
      }
    }

    // Onset in 24-hour time, and a duration that keeps counting.
    expect(await high.getByTestId('onset').textContent()).toBe(`since ${clockTime(alarm.startedAt, 'en-US')}`);
    const lasted = await high.getByTestId('lasted').textContent();
    expect(lasted).toMatch(/^\d+:\d\d$/);
    await expect.poll(() => high.getByTestId('lasted').textContent(), { timeout: 10_000 }).not.toBe(lasted);
    await page.screenshot({ path: join(ROOT, 'test', 'e2e', 'screenshots', 'alarm.png') });
    await page.close();
  });

  it('draws parameters in colours that never look like an alarm priority', async () => {
    const page = await open(1920, 1080);
    const tile = page.getByTestId(`bed-${bedId(4)}`);
    devices[3]!.send({ HR: 70, SPO2: 97, RR: 14, TEMP: 36.8, ETCO2: 38, NIBP_SYS: 120, NIBP_DIA: 80 });
    await expect.poll(() => tile.getByTestId('value-ETCO2').locator('.number').textContent()).toBe('38');
    for (const cell of ['HR', 'SPO2', 'RR', 'TEMP', 'ETCO2', 'NIBP']) {
      const { hue, chroma } = hueOf(parseRgb(await tile.getByTestId(`value-${cell}`).locator('.number').evaluate((el) => getComputedStyle(el).color)));
      if (chroma < 0.1) continue; // white and greys have no hue to confuse
      for (const alarmHue of ALARM_COLOURS) expect(hueDistance(hue, alarmHue), `${cell} hue ${hue}`).toBeGreaterThanOrEqual(40);
    }
    await page.close();
  });

  it('keeps units and limits inside their cells at 1280x800 with alarms', async () => {
    const page = await open(1280, 800);
    for (const i of [1, 2, 3]) {
      const tile = page.getByTestId(`bed-${bedId(i)}`);
      await tile.scrollIntoViewIfNeeded();
      expect(await tile.getAttribute('data-alarm')).not.toBe('none');
      const overflow = await tile.evaluate((el) => {
        const t = el.getBoundingClientRect();
        const bad: string[] = [];
        for (const part of el.querySelectorAll('.value .unit, .value .number, .value .limit, .value .label')) {
          const r = part.getBoundingClientRect();
          const cell = part.closest('.value')!.getBoundingClientRect();
          const inside = (o: DOMRect) => r.left >= o.left - 0.5 && r.right <= o.right + 0.5 && r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5;
          if (!inside(cell) || !inside(t)) bad.push(`${part.className} "${part.textContent}"`);
        }
        return bad;
      });
      expect(overflow).toEqual([]);
    }
    await page.close();
  });

  it('shows a new alarm above an open bed dialog, and Esc closes the dialog', async () => {
    const page = await open(1920, 1080);
    await page.getByRole('button', { name: `Open Bed ${BEDS}` }).click();
    await page.getByTestId('bed-detail').waitFor();
    devices[3]!.send({ SPO2: 78, HR: 70 });
    const row = page.locator(`[data-testid="alarm-SPO2_LOW"][data-bed="${bedId(4)}"]`);
    await row.waitFor();
    const box = (await row.boundingBox())!;
    const onTop = await page.evaluate(([x, y]) => !!document.elementFromPoint(x!, y!)?.closest('[data-testid="alarm-bar"]'), [box.x + box.width / 2, box.y + box.height / 2]);
    expect(onTop).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('bed-detail').count()).toBe(0);
    await page.close();
  });

  it('draws the last minutes of HR and SpO2 as sparklines in their colours, as soon as the page opens', async () => {
    // Two minutes of samples 20 s apart (as a monitor resending its memory would), before the page opens.
    const start = Date.now() - 2 * 60_000;
    let last = 0;
    for (const [i, hr] of [71, 85, 75, 95, 80, 77].entries()) last = devices[4]!.send({ HR: hr, SPO2: 96 }, start + i * 20_000);
    await devices[4]!.acked(last);
    const page = await open(1920, 1080);
    const tile = page.getByTestId(`bed-${bedId(5)}`);
    const spark = tile.getByTestId('sparkline').first();
    const path = spark.locator('path');
    // Six samples 20 s apart: one unbroken line of six points, in the HR colour.
    await expect.poll(() => path.getAttribute('d'), { timeout: 10_000 }).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){5}$/);
    expect(await path.getAttribute('stroke')).toBe(PARAMETER_COLOUR.HR);
    const [t, s] = [(await tile.boundingBox())!, (await spark.boundingBox())!];
    expect(s.y + s.height).toBeLessThanOrEqual(t.y + t.height);
    expect(s.height).toBeGreaterThan(10);
    await page.close();
  });
});
