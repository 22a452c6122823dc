/**
 * `BENCH_ONLY=acm`: what alarm forwarding to an ACM costs the station's event loop, and how soon
 * an alarm reaches a loopback ACM. In-process: an alarm service on a real SQLite file, a sensor
 * toggled so every call starts or ends an alarm, the forwarder, and an ACM answering AA at once.
 * Baselines in the same run: the same alarm service without forwarding; an MLLP frame and its
 * ACK on the same loopback.
 */
import { join } from 'node:path';
import { connect } from 'node:net';
import { acmConfig } from '../../gateway/acm/acm-config.js';
import { AcmForwarder } from '../../gateway/acm/acm-forwarder.js';
import { AlarmService } from '../../gateway/alarms/alarm-service.js';
import { frameMllp, MllpDecoder } from '../../gateway/ingest/hl7/mllp-framing.js';
import { silentLogger } from '../../gateway/log.js';
import { openDatabase } from '../../gateway/storage/database.js';
import { AcmReceiver } from '../helpers/acm-receiver.js';
import { tempDir } from '../helpers/station-fixture.js';

export interface AcmBenchResult {
  readonly events: number;
  /** Event-loop time per alarm event, alarm service alone (baseline) and with forwarding. */
  readonly aloneMicros: number;
  readonly forwardedMicros: number;
  /** Alarm event → ORU^R40 at the ACM, one alarm at a time. */
  readonly toAcm: { readonly p50: number; readonly p99: number };
  /** A framed message and its ACK on the same loopback (baseline of the above). */
  readonly mllpRoundTrip: { readonly p50: number; readonly p99: number };
}

const PLACE = { bedLabel: 'Bed 1', patient: { mrn: 'MRN0042', name: 'Jane Doe', birthDate: '1950-02-01' } };

export async function acmBench(events = Number(process.env.BENCH_ACM_EVENTS ?? 2000)): Promise<AcmBenchResult> {
  const dir = tempDir('acm-bench-');
  const receiver = new AcmReceiver();
  try {
    const port = await receiver.start();
    const aloneMicros = await eventLoopCost(join(dir.path, 'alone.db'), events, null);
    const forwardedMicros = await eventLoopCost(join(dir.path, 'forwarded.db'), events, port);
    const toAcm = await latencyToAcm(join(dir.path, 'latency.db'), Math.min(events, 500), receiver);
    const mllpRoundTrip = await roundTrip(port, Math.min(events, 500));
    return { events, aloneMicros, forwardedMicros, toAcm, mllpRoundTrip };
  } finally {
    await receiver.stop();
    dir.remove();
  }
}

/** Microseconds of event-loop time per alarm event, the forwarder's later turn included. */
async function eventLoopCost(path: string, events: number, acmPort: number | null): Promise<number> {
  const db = openDatabase(path, { synchronous: 'NORMAL' });
  const alarms = new AlarmService(db, silentLogger());
  alarms.onChange(() => undefined);
  const forwarder = acmPort === null ? null : new AcmForwarder(acmConfig({ host: '127.0.0.1', port: acmPort })!, { db, placeOf: () => PLACE, logger: silentLogger() }, 'Bench ward');
  if (forwarder) {
    alarms.onChange(forwarder.onAlarmEvents);
    forwarder.start(0);
  }
  let busy = 0;
  for (let i = 0; i < events; i++) {
    const started = performance.now();
    alarms.technical({ deviceId: 'bench-1', kind: 'sensor_off', active: i % 2 === 0 }, 'B1');
    busy += performance.now() - started;
    // The forwarder's turn (rendering and queueing) runs here: timed as part of the event.
    const turn = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    busy += performance.now() - turn;
  }
  await forwarder?.stop();
  db.close();
  return (busy / events) * 1000;
}

async function latencyToAcm(path: string, alarmsToSend: number, receiver: AcmReceiver): Promise<{ p50: number; p99: number }> {
  const db = openDatabase(path, { synchronous: 'NORMAL' });
  const alarms = new AlarmService(db, silentLogger());
  const forwarder = new AcmForwarder(acmConfig({ host: '127.0.0.1', port: receiver.port })!, { db, placeOf: () => PLACE, logger: silentLogger() }, 'Bench ward');
  alarms.onChange(forwarder.onAlarmEvents);
  forwarder.start(0);
  const latencies: number[] = [];
  for (let i = 0; i < alarmsToSend; i++) {
    const before = receiver.received.length;
    const started = performance.now();
    alarms.technical({ deviceId: 'bench-2', kind: 'sensor_off', active: i % 2 === 0 }, 'B1');
    await receiver.until(() => receiver.received.length > before);
    latencies.push(performance.now() - started);
  }
  await forwarder.stop();
  db.close();
  return percentiles(latencies);
}

async function roundTrip(port: number, count: number): Promise<{ p50: number; p99: number }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
  let wake: () => void = () => undefined;
  socket.on('data', (chunk: Buffer) => {
    if (decoder.push(chunk).some((e) => e.type === 'message')) wake();
  });
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const acked = new Promise<void>((resolve) => (wake = resolve));
    const started = performance.now();
    socket.write(frameMllp(`MSH|^~\\&|BENCH|WARD|ACM||20261203||ORU^R40^ORU_R40|RT${i}|P|2.6\rOBX|1|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1|start\r`));
    await acked;
    latencies.push(performance.now() - started);
  }
  socket.destroy();
  return percentiles(latencies);
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}
