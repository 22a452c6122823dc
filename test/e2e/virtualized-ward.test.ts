import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { Station } from '../../gateway/station.js';
import { startTestStation } from '../helpers/station-fixture.js';
import { launchChromium } from '../helpers/chromium.js';

const RENDERER = join(import.meta.dirname, '..', '..', 'out', 'renderer');

describe('a large ward', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;
  beforeAll(async () => {
    ({ station, stop } = await startTestStation({ rendererDir: RENDERER }));
    for (let i = 1; i <= 400; i++) station.ward.addBed(`W${i}`, `Bed ${i}`, 'test');
    station.registry.reload();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
  });

  it('keeps only the visible tiles in the DOM while scrolling 400 beds', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(station.ui.pageUrl);
    await page.getByTestId('bed-W1').waitFor();
    const tiles = () => page.locator('[data-testid^="bed-W"]').count();
    expect(await tiles()).toBeLessThan(60);
    await page.getByTestId('ward').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByTestId('bed-W400').waitFor();
    expect(await page.getByTestId('bed-W1').count()).toBe(0);
    expect(await tiles()).toBeLessThan(60);
    await page.close();
  });
});
