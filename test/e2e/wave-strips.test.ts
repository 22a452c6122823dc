import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { DemoWaveSource } from '../../gateway/demo/demo-wave-source.js';
import type { Station } from '../../gateway/station.js';
import { startTestStation } from '../helpers/station-fixture.js';
import { PARAMETER_COLOUR } from '../../renderer/src/parameter-colours.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RENDERER = join(ROOT, 'out', 'renderer');
const ALARM_STROKE = { high: '#ff453a', medium: '#ffd60a', low: '#64d2ff' } as const;

/** Opaque pixels of a strip's canvas, by colour (#rrggbb): what the page really painted. */
function paintedColours(page: Page, bedId: string, wave: string): Promise<Record<string, number>> {
  return page.evaluate(
    ([bed, w]) => {
      const canvas = document.querySelector(`[data-testid="bed-${bed}"] [data-testid="wave-${w}"]`) as HTMLCanvasElement | null;
      const counts: Record<string, number> = {};
      if (!canvas || canvas.width === 0) return counts;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 255) continue;
        const hex = `#${[data[i], data[i + 1], data[i + 2]].map((v) => v!.toString(16).padStart(2, '0')).join('')}`;
        counts[hex] = (counts[hex] ?? 0) + 1;
      }
      return counts;
    },
    [bedId, wave] as const,
  );
}

const dominant = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;

describe('live wave strips in Chromium', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let browser: Browser;
  let device: DeviceClient;
  let pump: NodeJS.Timeout;
  let spo2 = 97;

  beforeAll(async () => {
    if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('renderer not built: npm test builds it first (electron-vite build)');
    ({ station, stop } = await startTestStation({ rendererDir: RENDERER }));
    station.ward.addBed('B1', 'Bed 1', 't');
    station.ward.admit({ bedId: 'B1', mrn: 'MRN1', name: 'Wave Patient' }, 't');
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 't').key!;
    device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
    await device.connect();
    // A monitor in real time: a second of each wave and the numerics, once a second.
    const source = new DemoWaveSource(5, Date.now() - 1000);
    const tick = () => {
      const vitals = { HR: 72, SPO2: spo2, RR: 16 };
      device.send(vitals, Date.now());
      for (const f of source.next(vitals)) device.sendWave(f);
    };
    tick();
    pump = setInterval(tick, 1000);
    browser = await launchChromium();
  });
  afterAll(async () => {
    clearInterval(pump);
    await browser?.close();
    await device?.close();
    await stop?.();
  });

  it('draws the ECG and pleth of a tile on canvas, and in the alarm colour while the bed is in alarm', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(station.ui.pageUrl);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Live');
    await expect.poll(async () => dominant(await paintedColours(page, 'B1', 'ECG_II')), { timeout: 30_000 }).toBe(PARAMETER_COLOUR.HR);
    await expect.poll(async () => dominant(await paintedColours(page, 'B1', 'PLETH')), { timeout: 30_000 }).toBe(PARAMETER_COLOUR.SPO2);
    // Desaturation: the tile goes into alarm, and its strips take the alarm's colour.
    spo2 = 80;
    const tile = page.getByTestId('bed-B1');
    await expect.poll(() => tile.getAttribute('data-alarm'), { timeout: 30_000 }).not.toBe('none');
    const priority = (await tile.getAttribute('data-alarm')) as keyof typeof ALARM_STROKE;
    await expect.poll(async () => dominant(await paintedColours(page, 'B1', 'ECG_II')), { timeout: 30_000 }).toBe(ALARM_STROKE[priority]);
    await page.screenshot({ path: join(ROOT, 'test', 'e2e', 'screenshots', 'wave-strips.png') });
    await page.close();
    // Chromium, a station and an alarm's confirmation delay on a shared 2-core machine: room, not a threshold.
  }, 180_000);
});
