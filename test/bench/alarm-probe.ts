/**
 * The alarm probe of the ingest bench, in a process of its own as the station's screen is:
 * monitors at a bedside monitor's pace (one frame a second each, staggered), whose systolic
 * pressure flips between 170 mmHg (over the 160 limit) and 120, and a UI client that times
 * frame → alarm event per bed. Kept out of the load generator's event loop, which is busy sending
 * tens of thousands of frames a second and would add its own lag.
 *
 * Why systolic pressure: it is judged with no alarm delay and its alarm (medium) does not latch,
 * so every frame starts or ends an alarm whatever the spacing of the frames. A heart rate that
 * flips between severe and normal does not: its alarm ends only once less than a third of the
 * last 5 s was beyond the limit, so a normal frame handled late (more than ~1.7 s after the high
 * one) leaves the alarm on, no event follows, and this probe — which sends the next change only
 * after the last one is on screen — would wait for its closing frame and time that instead.
 *
 * argv: device URL, UI channel URL with token, then one `bedId=key` per monitor. Prints one JSON
 * line {"samples":[[sent at (epoch ms), latency ms], ...],"sent":N,"frames":N} when stdin closes.
 */
import { WebSocket } from 'ws';
import { DeviceClient } from '../../gateway/demo/device-client.js';

const [deviceUrl, channelUrl, ...monitors] = process.argv.slice(2) as [string, string, ...string[]];
const samples: Array<[number, number]> = [];
/** Per bed: when its last frame left, until the alarm event for it arrives. */
const sentAt = new Map<string, number>();

const ui = new WebSocket(channelUrl);
await new Promise<void>((resolve) => ui.once('open', () => resolve()));
ui.on('message', (data) => {
  const m = JSON.parse(data.toString()) as { type: string; events?: Array<{ alarm?: { bedId?: string | null } }> };
  if (m.type !== 'alarms') return;
  for (const event of m.events ?? []) {
    const bed = event.alarm?.bedId;
    const at = bed ? sentAt.get(bed) : undefined;
    if (bed && at !== undefined) {
      samples.push([performance.timeOrigin + at, performance.now() - at]);
      sentAt.delete(bed);
    }
  }
});

const probes = monitors.map((m) => {
  const [bedId, key] = m.split('=') as [string, string];
  return { bedId, client: new DeviceClient({ url: deviceUrl, key }), high: false, timer: null as NodeJS.Timeout | null };
});
await Promise.all(probes.map((p) => p.client.connect()));
let sent = 0;
probes.forEach((p, i) => {
  const beat = () => {
    if (sentAt.has(p.bedId)) return; // the previous change is not on screen yet
    p.high = !p.high;
    sentAt.set(p.bedId, performance.now());
    p.client.send({ NIBP_SYS: p.high ? 170 : 120 });
    sent++;
  };
  setTimeout(() => {
    beat();
    p.timer = setInterval(beat, 1000);
  }, (1000 / probes.length) * i);
});
process.stdout.write('{"probing":true}\n');

process.stdin.resume();
process.stdin.on('end', () => {
  for (const p of probes) if (p.timer) clearInterval(p.timer);
  const lastSeqs = probes.map((p) => p.client.send({ NIBP_SYS: 120 }));
  void Promise.all(probes.map((p, i) => p.client.acked(lastSeqs[i]!))).then(async () => {
    await Promise.all(probes.map((p) => p.client.close()));
    ui.close();
    // Every probe frame (its seqs start at 1) is in the station's table like any other.
    const frames = lastSeqs.reduce((n, seq) => n + seq, 0);
    process.stdout.write(`${JSON.stringify({ samples, sent, frames })}\n`);
    process.exit(0);
  });
});
