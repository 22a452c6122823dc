import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWaveSource } from '../../gateway/demo/demo-wave-source.js';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import type { Station } from '../../gateway/station.js';
import { REVIEW_WINDOW_MS } from '../../renderer/src/FullDisclosure.js';
import { SWEEP_PX_PER_S } from '../../renderer/src/wave-strips.js';
import { launchChromium } from '../helpers/chromium.js';
import { startTestStation, tempDir } from '../helpers/station-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCREENSHOTS = join(ROOT, 'test', 'e2e', 'screenshots');
/**
 * Per column of the strip's canvas (CSS px), how many pixels are of the ECG trace (dark grey to
 * black, antialiased edges included; the paper's grid is light pink) or of a medium-priority onset
 * marker (orange). What the page really painted.
 */
function columnsPainted(page: Page, what: 'ecg' | 'onset'): Promise<number[]> {
  return page.evaluate((kind) => {
    const canvas = document.querySelector('[data-testid="fd-strip"]') as HTMLCanvasElement;
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const columns = new Array<number>(Math.round(canvas.width / ratio)).fill(0);
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const i = (y * canvas.width + x) * 4;
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        const hit = kind === 'ecg' ? Math.max(r, g, b) < 0xb0 && Math.max(r, g, b) - Math.min(r, g, b) < 40 : r > 0xa0 && g > 0x30 && g < 0x70 && b < 0x30;
        if (hit) columns[Math.floor(x / ratio)]!++;
      }
    }
    return columns;
  }, what);
}

describe('full disclosure in a bed\'s detail (Chromium)', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;
  let device: DeviceClient;
  let pump: NodeJS.Timeout;
  /** Whole seconds: the monitor's waves start here, 30 s back, and go on in real time; 10 and 11 s lost. */
  const origin = Math.floor(Date.now() / 1000) * 1000 - 30_000;
  const LOST = new Set([10, 11]);
  const work = tempDir('ward-full-disclosure-');

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('renderer not built: npm test builds it first (electron-vite build)');
    ({ station, stop } = await startTestStation({ rendererDir: join(ROOT, 'out', 'renderer') }));
    station.ward.addBed('F1', 'Bed F1', 't');
    station.ward.admit({ bedId: 'F1', mrn: 'MRN-F1', name: 'Grace Hopper' }, 't');
    const key = station.registry.register({ id: 'mon-F1', model: 'Monitor', transport: 'websocket', bedId: 'F1' }, 't').key!;
    station.state.layoutChanged();
    device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
    await device.connect();
    // A monitor that was on for the last 30 s (sent now) and goes on sending each second as it passes.
    const source = new DemoWaveSource(11, origin);
    let second = 0;
    const sendElapsed = () => {
      while (origin + (second + 1) * 1000 <= Date.now()) {
        const frames = source.next({ HR: 75, SPO2: 97, RR: 15 });
        if (!LOST.has(second)) for (const f of frames) device.sendWave(f);
        second++;
      }
    };
    sendElapsed();
    pump = setInterval(sendElapsed, 200);
    // A systolic pressure over its limit: an alarm whose onset the review can go to.
    await device.acked(device.send({ NIBP_SYS: 190, NIBP_DIA: 100, NIBP_MEAN: 130 }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    clearInterval(pump);
    await device?.close();
    await browser?.close();
    await stop?.();
    work.remove();
  });

  it('goes to an alarm onset, shows the stored ECG with the onset marked and a gap as a gap, measures with calipers, and prints only the strip', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC', locale: 'en-GB' });
    await page.goto(station.ui.pageUrl);
    await page.getByRole('button', { name: 'Open Bed F1' }).click();
    const review = page.getByTestId('full-disclosure');
    await review.scrollIntoViewIfNeeded();

    // The onset is listed; going to it centres the 10 s window on it, ECG drawn, onset marked.
    const onsets = review.getByRole('combobox', { name: 'Go to alarm onset' });
    await expect.poll(() => onsets.locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const onsetValue = await onsets.locator('option').nth(1).getAttribute('value');
    expect(await onsets.locator('option').nth(1).textContent()).toMatch(/NIBP|systolic|pressure/i);
    await onsets.selectOption(onsetValue!);
    const windowStart = Number(onsetValue) - REVIEW_WINDOW_MS / 2;
    // The window's second half fills as the monitor's next seconds are stored.
    await expect.poll(async () => (await columnsPainted(page, 'ecg')).filter((n) => n > 0).length, { timeout: 30_000 }).toBeGreaterThan(900);
    await page.screenshot({ path: join(SCREENSHOTS, 'full-disclosure.png') });
    // The systolic pressure alarm is of medium priority: its onset line is orange, across the strip.
    const marker = await columnsPainted(page, 'onset');
    const markerX = Math.round(((Number(onsetValue) - windowStart) / 1000) * SWEEP_PX_PER_S);
    expect(marker.slice(markerX - 2, markerX + 3).some((n) => n > 100)).toBe(true);

    // Calipers: two clicks 200 px apart at 25 mm/s.
    const strip = review.getByTestId('fd-strip');
    await strip.click({ position: { x: 100, y: 40 } });
    await expect.poll(() => review.getByTestId('fd-caliper').textContent()).toBe('Click the second point.');
    await strip.click({ position: { x: 300, y: 40 } });
    const ms = Math.round((200 / SWEEP_PX_PER_S) * 1000);
    await expect.poll(() => review.getByTestId('fd-caliper').textContent()).toBe(`Interval ${ms} ms (${Math.round(60_000 / ms)} /min)`);

    // Go to a time: 5 s to 15 s, where 10 and 11 s were lost: no trace there, trace around it.
    const goTo = new Date(origin + 10_000).toISOString().slice(0, 19);
    await review.getByLabel('Go to time').fill(goTo);
    const gapFrom = Math.round(5 * SWEEP_PX_PER_S);
    const gapTo = Math.round(7 * SWEEP_PX_PER_S);
    await expect.poll(async () => (await columnsPainted(page, 'ecg')).slice(0, gapFrom - 4).filter((n) => n > 0).length, { timeout: 30_000 }).toBeGreaterThan(gapFrom - 10);
    const ecg = await columnsPainted(page, 'ecg');
    expect(ecg.slice(gapFrom + 4, gapTo - 4).every((n) => n === 0)).toBe(true);
    expect(ecg.slice(gapTo + 4).filter((n) => n > 0).length).toBeGreaterThan(ecg.length - gapTo - 10);
    await expect.poll(() => review.getByTestId('fd-window').textContent()).toContain(new Date(origin + 5_000).toISOString().slice(11, 19));

    // Printed (what "Save as PDF" gives): the strip with its bed, patient and time, nothing else.
    const pdf = join(work.path, 'strip.pdf');
    writeFileSync(pdf, await page.pdf({ landscape: true, printBackground: true, preferCSSPageSize: true }));
    const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Bed F1 — Grace Hopper · MRN MRN-F1');
    expect(text.stdout).toContain('25 mm/s');
    expect(text.stdout).not.toContain('Alarm limits');
    expect(text.stdout).not.toContain('Go to an alarm onset');
    const png = spawnSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, join(SCREENSHOTS, 'full-disclosure-print')]);
    expect(png.status).toBe(0);
  });
});
