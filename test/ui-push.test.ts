import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DeviceClient } from '../gateway/demo/device-client.js';
import type { Station } from '../gateway/station.js';
import type { UiEvent } from '../gateway/protocol/ui-channel.js';
import { startTestStation } from './helpers/station-fixture.js';

/** A UI client as the page is one: every pushed event, in order. */
async function listen(station: Station): Promise<{ events: UiEvent[]; next(type: UiEvent['type']): Promise<UiEvent>; close(): void }> {
  const ws = new WebSocket(`${station.ui.channelUrl}?token=${station.ui.token}`);
  const events: UiEvent[] = [];
  const waiters: Array<{ type: UiEvent['type']; resolve(e: UiEvent): void }> = [];
  ws.on('message', (data) => {
    const event = JSON.parse(data.toString()) as UiEvent;
    events.push(event);
    for (const w of waiters.filter((w) => w.type === event.type)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  await new Promise((resolve) => ws.once('open', resolve));
  return { events, next: (type) => new Promise((resolve) => waiters.push({ type, resolve })), close: () => ws.close() };
}

describe('what the gateway pushes to UI pages', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let device: DeviceClient;
  beforeAll(async () => {
    ({ station, stop } = await startTestStation());
    station.ward.addBed('B1', 'Bed 1', 't');
    station.ward.addBed('B2', 'Bed 2', 't');
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 't').key!;
    device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
    await device.connect();
  });
  afterAll(async () => {
    await device?.close();
    await stop?.();
  });

  it('sends no snapshot when storage commits, only vitals; a new snapshot when the layout changes', async () => {
    const page = await listen(station);
    await page.next('alarms'); // the connect-time snapshot and alarms
    const seq = device.send({ HR: 72, SPO2: 97 });
    await device.acked(seq);
    // The commit moved SQLite's data_version, yet beds, patients and devices are as they were:
    // the registry's watch (run here as its 1 s timer would) reports no change.
    expect(station.registry.refreshIfChanged()).toBe(false);
    const vitals = page.next('vitals');
    device.send({ HR: 73 });
    expect(await vitals).toMatchObject({ type: 'vitals', updates: [{ bedId: 'B1', values: { HR: 73 } }] });
    expect(page.events.filter((e) => e.type === 'snapshot')).toHaveLength(1);

    const snapshot = page.next('snapshot');
    station.ward.admit({ bedId: 'B2', mrn: 'M2', name: 'Pat Two' }, 't');
    const ward = ((await snapshot) as Extract<UiEvent, { type: 'snapshot' }>).ward;
    expect(ward.beds.find((b) => b.id === 'B2')?.patient?.mrn).toBe('M2');
    expect(page.events.filter((e) => e.type === 'snapshot')).toHaveLength(2);
    expect(station.ui.bytesWritten()).toBeGreaterThan(0);
    page.close();
  });
});
