import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation } from '../helpers/station-fixture.js';

const RENDERER = join(import.meta.dirname, '..', '..', 'out', 'renderer');

export interface UiBenchResult {
  beds: number;
  baselineMedianMs: number;
  scrollMedianMs: number;
  scrollP95Ms: number;
  fpsMedian: number;
  longTasks: number;
  domNodes: number;
  tilesInDom: number;
  heapStartMb: number;
  heapEndMb: number;
  minutes: number;
}

/** Scrolls the page's ward for `frames` animation frames and returns each frame's duration. */
async function scrollFrames(page: Page, frames: number): Promise<number[]> {
  return page.evaluate(async (count) => {
    const scroller = document.querySelector('[data-testid="ward"]') as HTMLElement | null;
    const deltas: number[] = [];
    let last = performance.now();
    let direction = 1;
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
      const now = performance.now();
      deltas.push(now - last);
      last = now;
      if (scroller) {
        if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 5) direction = -1;
        if (scroller.scrollTop <= 0) direction = 1;
        scroller.scrollTop += 40 * direction;
      }
    }
    return deltas;
  }, frames);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * 500 demo beds pushing 1 Hz updates; headless Chromium scrolls the ward while they arrive.
 * Baseline in the same browser and run: the frame time of an empty page.
 */
export async function uiBench(beds: number, minutes: number): Promise<UiBenchResult> {
  const { station, stop } = await startTestStation({ demo: true, demoBeds: beds, rendererDir: RENDERER });
  // --expose-gc: the heap figures are taken after a full collection, so they show what is kept.
  const browser = await launchChromium(['--js-flags=--expose-gc']);
  try {
    const blank = await browser.newPage();
    await blank.setContent('<html><body style="background:#000"></body></html>');
    const baseline = (await scrollFrames(blank, 240)).sort((a, b) => a - b);
    await blank.close();

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(station.ui.pageUrl);
    await page.locator('[data-testid^="bed-DEMO-"]').first().waitFor();
    await page.evaluate(() => {
      (window as unknown as { longTasks: number }).longTasks = 0;
      new PerformanceObserver((list) => ((window as unknown as { longTasks: number }).longTasks += list.getEntries().length)).observe({ type: 'longtask', buffered: false });
    });
    const heap = () => page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 1048576);
    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    const heapStart = await heap();
    const frames: number[] = [];
    const until = Date.now() + minutes * 60_000;
    while (Date.now() < until) frames.push(...(await scrollFrames(page, 600)));
    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    const heapEnd = await heap();
    const sorted = frames.sort((a, b) => a - b);
    const result: UiBenchResult = {
      beds,
      baselineMedianMs: pct(baseline, 50),
      scrollMedianMs: pct(sorted, 50),
      scrollP95Ms: pct(sorted, 95),
      fpsMedian: 1000 / pct(sorted, 50),
      longTasks: await page.evaluate(() => (window as unknown as { longTasks: number }).longTasks),
      domNodes: await page.evaluate(() => document.getElementsByTagName('*').length),
      tilesInDom: await page.locator('[data-testid^="bed-DEMO-"]').count(),
      heapStartMb: heapStart,
      heapEndMb: heapEnd,
      minutes,
    };
    return result;
  } finally {
    await browser.close();
    await stop();
  }
}
