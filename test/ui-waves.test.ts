import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DeviceClient } from '../gateway/demo/device-client.js';
import type { Station } from '../gateway/station.js';
import type { BedWaveUpdate, UiServerMessage } from '../gateway/protocol/ui-channel.js';
import type { WaveFrame } from '../gateway/protocol/wave-frames.js';
import { startTestStation } from './helpers/station-fixture.js';

/** A UI page's channel: its wave updates, and its requests' answers. */
async function screen(station: Station) {
  const ws = new WebSocket(`${station.ui.channelUrl}?token=${station.ui.token}`);
  const waves: BedWaveUpdate[] = [];
  const answers = new Map<number, (ok: boolean) => void>();
  let waveWaiter: ((u: BedWaveUpdate) => void) | null = null;
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as UiServerMessage;
    if (message.type === 'wave') {
      waves.push(message.update);
      waveWaiter?.(message.update);
    } else if (message.type === 'response') answers.get(message.id)?.(message.ok);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  let id = 0;
  return {
    waves,
    subscribe(bedIds: unknown, codes: unknown): Promise<boolean> {
      const request = { type: 'request', id: ++id, method: 'waves.subscribe', params: { bedIds, waves: codes } };
      return new Promise((resolve) => {
        answers.set(request.id, resolve);
        ws.send(JSON.stringify(request));
      });
    },
    nextWave: (pred: (u: BedWaveUpdate) => boolean) =>
      new Promise<BedWaveUpdate>((resolve) => {
        waveWaiter = (u) => pred(u) && resolve(u);
      }),
    close: () => ws.close(),
  };
}

const frame = (startTs: number, wave: WaveFrame['wave'], value: number): Omit<WaveFrame, 'seq'> => ({ startTs, wave, sampleRate: 125, scale: 0.01, offset: 0, samples: new Int16Array(125).fill(value) });

describe('live waves on the UI channel', () => {
  let station: Station;
  let stop: () => Promise<void>;
  const devices: DeviceClient[] = [];
  beforeAll(async () => {
    ({ station, stop } = await startTestStation());
    for (const bed of ['B1', 'B2']) {
      station.ward.addBed(bed, bed, 't');
      const key = station.registry.register({ id: `mon-${bed}`, model: 'Monitor', transport: 'websocket', bedId: bed }, 't').key!;
      const device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
      await device.connect();
      devices.push(device);
    }
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await stop?.();
  });

  it('sends a screen only the beds and waves it shows, and nothing before it asks', async () => {
    const page = await screen(station);
    const [b1, b2] = devices;
    const t = Date.now() - 1000;
    // Not subscribed yet: this frame is stored (acked) but not pushed.
    const before = b1!.sendWave(frame(t, 'ECG_II', 1));
    await b1!.waves.until(before);
    expect(await page.subscribe(['B1'], ['ECG_II'])).toBe(true);
    const seen = page.nextWave((u) => u.startTs === t + 1000 && u.wave === 'ECG_II');
    // Published when read, before its commit: once acked, it would have reached the page already.
    await b2!.waves.until(b2!.sendWave(frame(t + 1000, 'ECG_II', 2)));
    b1!.sendWave(frame(t + 1000, 'PLETH', 3));
    const last = b1!.sendWave(frame(t + 1000, 'ECG_II', 4));
    await b1!.waves.until(last);
    const update = await seen;
    expect(update).toMatchObject({ bedId: 'B1', wave: 'ECG_II', sampleRate: 125, scale: expect.closeTo(0.01, 6) });
    expect(update.samples).toHaveLength(125);
    expect(update.samples[0]).toBe(4);
    // Bed 2's frame and bed 1's pleth were sent before bed 1's last ECG frame; none reached this screen.
    expect(page.waves.map((u) => [u.bedId, u.wave, u.samples[0]])).toEqual([['B1', 'ECG_II', 4]]);
    page.close();
  });

  it('refuses a subscription that is not two lists, or too many beds', async () => {
    const page = await screen(station);
    expect(await page.subscribe('B1', ['ECG_II'])).toBe(false);
    expect(await page.subscribe(Array.from({ length: 300 }, (_, i) => `B${i}`), ['ECG_II'])).toBe(false);
    page.close();
  });
});
