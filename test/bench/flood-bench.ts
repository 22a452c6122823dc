/**
 * `BENCH_ONLY=flood`: does one device sending as fast as it can disturb the others? Bystander
 * devices send at a steady rate against the gateway running as its own process; their
 * frame→ack latency is measured first alone (the baseline), then while one more device floods.
 * The flooder's acknowledged frames are set beside what its token bucket allows.
 */
import BetterSqlite3 from 'better-sqlite3';
import { WebSocket } from 'ws';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { provisionedGateway } from '../helpers/provisioned-gateway.js';

/** The documented per-connection bucket (README "Limits per connection"). */
const RATE = 500;
const BURST = 5000;

export interface LatencySummary {
  readonly acks: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface FloodResult {
  readonly bystanders: number;
  readonly framesPerSecondEach: number;
  readonly seconds: number;
  readonly baseline: LatencySummary;
  readonly flood: LatencySummary;
  readonly flooder: { readonly sent: number; readonly acked: number; readonly stored: number; readonly seconds: number; readonly bucketAllows: number };
  readonly rssMb: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function summary(latencies: number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);
  return { acks: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Every bystander sends `rate` frames a second for `seconds`; resolves with their latencies. */
async function steady(clients: DeviceClient[], rate: number, seconds: number): Promise<number[]> {
  for (const c of clients) {
    c.latencies.length = 0;
    c.measure = true;
  }
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
    for (let i = 0; i < due; i++) for (const c of clients) c.send({ HR: 70 + (i % 10), SPO2: 97 });
    sent += Math.max(0, due);
    await pause(5);
  }
  await Promise.all(clients.map((c) => c.acked(c.lastAck + c.pendingCount)));
  for (const c of clients) c.measure = false;
  return clients.flatMap((c) => c.latencies);
}

export async function floodBench(opts: { bystanders: number; framesPerSecondEach: number; seconds: number }): Promise<FloodResult> {
  const ids = Array.from({ length: opts.bystanders }, (_, i) => `bystander-${i}`);
  const gateway = await provisionedGateway({ websocket: [...ids, 'flooder'] });
  const url = `ws://127.0.0.1:${gateway.devicePort}/devices`;
  const clients = ids.map((id) => new DeviceClient({ url, key: gateway.keys.get(id)! }));
  await Promise.all(clients.map((c) => c.connect()));

  const baseline = summary(await steady(clients, opts.framesPerSecondEach, opts.seconds));

  // The flooder: valid frames as fast as its socket takes them (its own buffer kept at 1 MiB).
  const flooder = new WebSocket(url, { headers: { authorization: `Bearer ${gateway.keys.get('flooder')}` } });
  await new Promise<void>((resolve) => flooder.once('open', () => resolve()));
  let acked = 0;
  flooder.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; seq: number };
    if (frame.type === 'ack') acked = Math.max(acked, frame.seq);
  });
  const floodStarted = performance.now();
  let flooding = true;
  let sent = 0;
  const flood = (async () => {
    while (flooding) {
      const ts = Date.now();
      while (flooder.bufferedAmount < 1 << 20 && flooding) flooder.send(`{"type":"obs","seq":${++sent},"ts":${ts},"vitals":{"HR":80,"SPO2":96}}`);
      await pause(1);
    }
  })();
  const during = summary(await steady(clients, opts.framesPerSecondEach, opts.seconds));
  flooding = false;
  await flood;
  const floodSeconds = (performance.now() - floodStarted) / 1000;
  const ackedDuringFlood = acked;
  flooder.terminate();
  await Promise.all(clients.map((c) => c.close()));
  const rssMb = gateway.rssMb();
  const stored = await gateway.killAndInspect((dbPath) => {
    const db = new BetterSqlite3(dbPath, { readonly: true });
    const n = (db.prepare("SELECT COUNT(*) AS n FROM observations WHERE device_id = 'flooder'").get() as { n: number }).n;
    db.close();
    return n;
  });
  return {
    bystanders: opts.bystanders,
    framesPerSecondEach: opts.framesPerSecondEach,
    seconds: opts.seconds,
    baseline,
    flood: during,
    flooder: { sent, acked: ackedDuringFlood, stored, seconds: floodSeconds, bucketAllows: Math.floor(BURST + RATE * floodSeconds) },
    rssMb,
  };
}
