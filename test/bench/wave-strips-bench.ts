import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation } from '../helpers/station-fixture.js';

const RENDERER = join(import.meta.dirname, '..', '..', 'out', 'renderer');
const VIEWPORT = { width: 1920, height: 1080 };

/** Durations of `count` animation frames, measured in the page. */
function frameTimes(page: Page, count: number): Promise<number[]> {
  return page.evaluate(async (n) => {
    const deltas: number[] = [];
    let last = performance.now();
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
      const now = performance.now();
      deltas.push(now - last);
      last = now;
    }
    return deltas;
  }, count);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)]!;

export interface StripBenchResult {
  readonly beds: number;
  readonly strips: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly emptyPageMedianMs: number;
}

/**
 * The demo ward of `beds` beds streaming real waves, every tile on screen drawing ECG and pleth,
 * in headless Chromium at 1920×1080: frame times while the strips sweep, beside an empty page's
 * in the same browser.
 */
export async function waveStripsBench(beds: number, frames = 600): Promise<StripBenchResult> {
  const { station, stop } = await startTestStation({ demo: true, demoBeds: beds, rendererDir: RENDERER });
  const browser = await launchChromium();
  try {
    const blank = await browser.newPage({ viewport: VIEWPORT });
    await blank.setContent('<html><body style="background:#000"></body></html>');
    const empty = await frameTimes(blank, 240);
    await blank.close();
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(station.ui.pageUrl);
    // Every tile's strips are mounted and have samples to draw.
    await page.waitForFunction((n) => document.querySelectorAll('canvas.wave-strip').length >= n, beds * 2, { timeout: 60_000 });
    await page.waitForTimeout(5000);
    const strips = await page.evaluate(() => document.querySelectorAll('canvas.wave-strip').length);
    const times = await frameTimes(page, frames);
    await page.close();
    return { beds, strips, medianMs: median(times), p95Ms: p95(times), emptyPageMedianMs: median(empty) };
  } finally {
    await browser.close();
    await stop();
  }
}
