import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation } from '../helpers/station-fixture.js';

const RENDERER = join(import.meta.dirname, '..', '..', 'out', 'renderer');
export const UI_BENCH_VIEWPORT = { width: 1920, height: 1080 } as const;

export interface UiBenchResult {
  beds: number;
  baselineMedianMs: number;
  /** The same ward page scrolled with the pushes stopped: what scrolling alone costs on this machine now. */
  quietMedianMs: number;
  quietP95Ms: number;
  scrollMedianMs: number;
  scrollP95Ms: number;
  fpsMedian: number;
  longTasks: number;
  longTaskMsPer10s: number;
  domNodes: number;
  tilesInDom: number;
  heapStartMb: number;
  heapEndMb: number;
  /** Bytes on the wire (compressed) from the gateway to one page, per second, all beds live. */
  bytesPerSecondPerPage: number;
  /** Device frame sent → alarm row in the page's DOM. */
  alarmLatencyP50Ms: number;
  alarmLatencyMaxMs: number;
  alarmSamples: number;
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
 * `beds` demo beds pushing 1 Hz updates; headless Chromium at 1920x1080 scrolls the ward while
 * they arrive. Baselines in the same browser and run: the frame time of an empty page, and of the
 * same ward page scrolled while the pushes are stopped (the machine's rendering cost alone). Then the
 * alarm latency: a bench device on its own bed crosses a limit, and the page notes when the row
 * appears.
 */
export async function uiBench(beds: number, minutes: number): Promise<UiBenchResult> {
  const { station, stop } = await startTestStation({ demo: true, demoBeds: beds, rendererDir: RENDERER });
  station.ward.addBed('BENCH', 'Bench bed', 'bench');
  const key = station.registry.register({ id: 'bench-monitor', model: 'Bench', transport: 'websocket', bedId: 'BENCH' }, 'bench').key!;
  const device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
  await device.connect();
  // --expose-gc: the heap figures are taken after a full collection, so they show what is kept.
  const browser = await launchChromium(['--js-flags=--expose-gc']);
  try {
    const blank = await browser.newPage({ viewport: UI_BENCH_VIEWPORT });
    await blank.setContent('<html><body style="background:#000"></body></html>');
    const baseline = (await scrollFrames(blank, 240)).sort((a, b) => a - b);
    await blank.close();

    const page = await browser.newPage({ viewport: UI_BENCH_VIEWPORT });
    await page.goto(station.ui.pageUrl);
    await page.locator('[data-testid^="bed-DEMO-"]').first().waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number; longTaskMs: number };
      w.longTasks = 0;
      w.longTaskMs = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          w.longTasks++;
          w.longTaskMs += entry.duration;
        }
      }).observe({ type: 'longtask', buffered: false });
    });
    const heap = () => page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 1048576);
    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    const heapStart = await heap();
    const frames: number[] = [];
    const bytesAtStart = station.ui.bytesWritten();
    const started = Date.now();
    const until = started + minutes * 60_000;
    while (Date.now() < until) frames.push(...(await scrollFrames(page, 600)));
    const seconds = (Date.now() - started) / 1000;
    const bytesPerSecondPerPage = (station.ui.bytesWritten() - bytesAtStart) / seconds;
    const longTasks = await page.evaluate(() => {
      const w = window as unknown as { longTasks: number; longTaskMs: number };
      return { longTasks: w.longTasks, longTaskMs: w.longTaskMs };
    });
    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    const heapEnd = await heap();
    const sorted = frames.sort((a, b) => a - b);

    // Same-run baseline: the pushes stop (the gateway keeps ingesting), the page scrolls as before.
    station.state.stop();
    const quiet = (await scrollFrames(page, 600)).sort((a, b) => a - b);
    station.state.start();

    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const seen = page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const observer = new MutationObserver(() => {
              if (!document.querySelector('[data-testid="alarm-NIBP_SYS_HIGH"][data-bed="BENCH"]')) return;
              observer.disconnect();
              resolve(Date.now());
            });
            observer.observe(document.body, { childList: true, subtree: true });
          }),
      );
      // The observer is in place once evaluate has started it; a round trip makes sure.
      await page.evaluate(() => undefined);
      const sentAt = Date.now();
      device.send({ NIBP_SYS: 175, NIBP_DIA: 95 });
      latencies.push((await seen) - sentAt);
      device.send({ NIBP_SYS: 120, NIBP_DIA: 80 });
      await page.locator('[data-testid="alarm-NIBP_SYS_HIGH"][data-bed="BENCH"]').waitFor({ state: 'detached' });
    }
    latencies.sort((a, b) => a - b);
    return {
      beds,
      baselineMedianMs: pct(baseline, 50),
      quietMedianMs: pct(quiet, 50),
      quietP95Ms: pct(quiet, 95),
      scrollMedianMs: pct(sorted, 50),
      scrollP95Ms: pct(sorted, 95),
      fpsMedian: 1000 / pct(sorted, 50),
      longTasks: longTasks.longTasks,
      longTaskMsPer10s: (longTasks.longTaskMs / seconds) * 10,
      domNodes: await page.evaluate(() => document.getElementsByTagName('*').length),
      tilesInDom: await page.locator('[data-testid^="bed-DEMO-"]').count(),
      heapStartMb: heapStart,
      heapEndMb: heapEnd,
      bytesPerSecondPerPage,
      alarmLatencyP50Ms: pct(latencies, 50),
      alarmLatencyMaxMs: latencies[latencies.length - 1]!,
      alarmSamples: latencies.length,
      minutes,
    };
  } finally {
    await device.close();
    await browser.close();
    await stop();
  }
}
