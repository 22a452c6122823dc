/**
 * The alarm probe of the ingest bench, in a process of its own as the station's screen is: one
 * monitor whose heart rate flips between severe and normal, so every frame it sends changes an
 * alarm, and a UI client that times frame → alarm event. Kept out of the load generator's event
 * loop, which is busy sending tens of thousands of frames a second and would add its own lag.
 *
 * argv: device URL, device key, UI channel URL with token. Prints one JSON line
 * {"latencies":[...]} when stdin closes.
 */
import { WebSocket } from 'ws';
import { DeviceClient } from '../../gateway/demo/device-client.js';

const [deviceUrl, key, channelUrl] = process.argv.slice(2) as [string, string, string];
const latencies: number[] = [];
let sentAt: number | null = null;

const ui = new WebSocket(channelUrl);
await new Promise<void>((resolve) => ui.once('open', () => resolve()));
ui.on('message', (data) => {
  const m = JSON.parse(data.toString()) as { type: string; events?: unknown[] };
  if (m.type === 'alarms' && m.events?.length && sentAt !== null) {
    latencies.push(performance.now() - sentAt);
    sentAt = null;
  }
});
const probe = new DeviceClient({ url: deviceUrl, key });
await probe.connect();
let high = false;
const timer = setInterval(() => {
  if (sentAt !== null) return;
  high = !high;
  sentAt = performance.now();
  probe.send({ HR: high ? 170 : 80 });
}, 50);
process.stdout.write('{"probing":true}\n');

process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(timer);
  const last = probe.send({ HR: 80 });
  void probe.acked(last).then(async () => {
    await probe.close();
    ui.close();
    process.stdout.write(`${JSON.stringify({ latencies, lastSeq: last })}\n`);
    process.exit(0);
  });
});
