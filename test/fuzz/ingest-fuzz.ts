/**
 * `npm run fuzz`: hostile input against the gateway running as its own process, longer than the
 * tests: FUZZ_WS_FRAMES (default 100,000) mutated WebSocket frames from FUZZ_WS_DEVICES devices and
 * FUZZ_HL7_MESSAGES (default 10,000) mutated HL7 messages over MLLP, with a fixed seed
 * (FUZZ_SEED). Bounded: it stops by itself, and fails (exit 1) when the gateway crashed, stopped
 * answering, its RSS passed FUZZ_MAX_RSS_MB (default 1024), or an acknowledged frame or message
 * is missing from SQLite after a SIGKILL.
 */
import { connect, type Socket } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { WebSocket } from 'ws';
import { frameMllp, MllpDecoder } from '../../gateway/ingest/hl7/mllp-framing.js';
import { parseDeviceFrame } from '../../gateway/protocol/device-frames.js';
import { provisionedGateway, type ProvisionedGateway } from '../helpers/provisioned-gateway.js';
import { mutateFrame, mutateHl7, prng, type Random } from './mutators.js';

const WS_FRAMES = Number(process.env.FUZZ_WS_FRAMES ?? 100_000);
const WS_DEVICES = Number(process.env.FUZZ_WS_DEVICES ?? 20);
const HL7_MESSAGES = Number(process.env.FUZZ_HL7_MESSAGES ?? 10_000);
const HL7_CONNECTIONS = 4;
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const MAX_RSS_MB = Number(process.env.FUZZ_MAX_RSS_MB ?? 1024);
const HL7_DEVICE = 'FUZZ-HL7';

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WsOutcome {
  readonly deviceId: string;
  /** Seqs of frames the station must store (they parse as valid), in order sent. */
  readonly expected: number[];
  /** Mutated frames predicted to be stored, for the report when one is not. */
  readonly mutatedValid: Map<number, string>;
  lastAck: number;
  errors: number;
  /** Connections the station closed (with their codes); the device reconnected and resent. */
  readonly closedByStation: number[];
}

/**
 * One device: its share of mutated frames, then a last valid frame, waiting for its ack. Like a
 * real device it keeps every frame until acknowledged, and if the station closes the connection
 * it reconnects and resends them.
 */
async function fuzzWebSocketDevice(gateway: ProvisionedGateway, deviceId: string, frames: number, random: Random): Promise<WsOutcome> {
  const outcome: WsOutcome = { deviceId, expected: [], mutatedValid: new Map(), lastAck: -1, errors: 0, closedByStation: [] };
  const unacked: Array<{ seq: number; data: string | Buffer }> = [];
  const ackWaiters = new Set<() => void>();
  let ws: WebSocket;
  let closing = false;
  const open = async (): Promise<void> => {
    const socket = new WebSocket(`ws://127.0.0.1:${gateway.devicePort}/devices`, { headers: { authorization: `Bearer ${gateway.keys.get(deviceId)}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; seq: number | null };
      if (frame.type === 'ack' && frame.seq! > outcome.lastAck) {
        outcome.lastAck = frame.seq!;
        while (unacked.length > 0 && unacked[0]!.seq <= frame.seq!) unacked.shift();
        for (const wake of ackWaiters) wake();
      } else if (frame.type === 'error') outcome.errors++;
    });
    socket.on('close', (code) => {
      if (!closing) outcome.closedByStation.push(code);
      for (const wake of ackWaiters) wake();
    });
    ws = socket;
    for (const frame of unacked) socket.send(frame.data);
  };
  const reconnectIfClosed = async () => {
    if (ws.readyState === WebSocket.OPEN) return;
    if (ws.readyState !== WebSocket.CLOSED) await new Promise((resolve) => ws.once('close', resolve));
    await open();
  };
  await open();
  for (let seq = 1; seq <= frames + 1; seq++) {
    const now = Date.now();
    const base = { type: 'obs', seq, ts: now - 1000, vitals: { HR: 60 + (seq % 50), SPO2: 90 + (seq % 10), RR: 14 } };
    let data: string | Buffer = seq <= frames && random() < 0.6 ? mutateFrame(random, base) : JSON.stringify(base);
    if (typeof data === 'string') {
      // The station measures frames in UTF-8 bytes, as they travel.
      const predicted = Buffer.byteLength(data, 'utf8') <= 64 * 1024 ? parseDeviceFrame(data, now) : null;
      // A mutation that still parses must keep its seq: devices number frames in order, and a
      // cumulative ack is only meaningful for an honest sequence.
      if (predicted?.ok && predicted.seq !== seq) {
        data = JSON.stringify(base);
        outcome.expected.push(seq);
      } else if (predicted?.ok) {
        outcome.expected.push(seq);
        outcome.mutatedValid.set(seq, data);
      }
    }
    unacked.push({ seq, data });
    await reconnectIfClosed();
    ws!.send(data);
    // Let the other devices' sockets run (and answer the station's pings): a client too busy to
    // answer looks exactly like a dead one, and the station rightly drops it.
    if (seq % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    // Keep the client's own buffer bounded: TCP back-pressure from the station shows here.
    while (ws!.bufferedAmount > 1 << 20 && ws!.readyState === WebSocket.OPEN) await pause(5);
  }
  const last = frames + 1;
  while (outcome.lastAck < last) {
    await new Promise<void>((resolve) => {
      const wake = () => {
        ackWaiters.delete(wake);
        resolve();
      };
      ackWaiters.add(wake);
    });
    await reconnectIfClosed();
  }
  closing = true;
  ws!.close();
  return outcome;
}

interface Hl7Outcome {
  /** MSA-2 of every AA (plain ids only: those can be looked up as stored). */
  readonly acceptedIds: string[];
  replies: number;
  reconnects: number;
  sent: number;
}

/** One sender: batches of mutated messages, each batch closed by a clean sentinel whose ACK says the batch is done. */
async function fuzzHl7Connection(port: number, index: number, messages: number, random: Random): Promise<Hl7Outcome> {
  const outcome: Hl7Outcome = { acceptedIds: [], replies: 0, reconnects: 0, sent: 0 };
  let socket: Socket | null = null;
  let waiting: { id: string; resolve: (ok: boolean) => void } | null = null;
  const open = async () => {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
    s.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.type !== 'message') continue;
        outcome.replies++;
        const msa = event.message.split('\r').find((segment) => segment.startsWith('MSA|'))?.split('|') ?? [];
        if (msa[1] === 'AA' && /^[A-Za-z0-9-]{1,40}$/.test(msa[2] ?? '')) outcome.acceptedIds.push(msa[2]!);
        if (waiting && msa[2] === waiting.id) waiting.resolve(true);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => waiting?.resolve(false));
    socket = s;
  };
  await open();
  const batch = 50;
  for (let from = 0; from < messages; from += batch) {
    const parts: Buffer[] = [];
    for (let i = from; i < Math.min(messages, from + batch); i++) {
      const id = `F${index}-${i}`;
      parts.push(random() < 0.7 ? mutateHl7(random, oru(id)) : frameMllp(oru(id)));
    }
    outcome.sent += parts.length;
    const sentinel = `S${index}-${from}`;
    for (;;) {
      const done = new Promise<boolean>((resolve) => (waiting = { id: sentinel, resolve }));
      socket!.write(Buffer.concat([...parts.splice(0), frameMllp(oru(sentinel))]));
      if (await done) break;
      // The station closed the connection (framing budget spent): reconnect, resend the sentinel.
      outcome.reconnects++;
      await open();
    }
    waiting = null;
  }
  socket!.destroy();
  return outcome;
}

function hl7Time(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:T]/g, '').slice(0, 14) + '+0000';
}

function oru(controlId: string): string {
  const at = hl7Time(Date.now() - 30_000);
  return [
    `MSH|^~\\&|${HL7_DEVICE}^0000000000000F00^EUI-64|ICU|WARD_STATION|WARD|${at}||ORU^R01^ORU_R01|${controlId}|P|2.6`,
    'PID|||FUZZ-MRN^^^HOSP^MR',
    `OBR|1|||182777000^monitoring of patient^SCT|||${at}`,
    `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||F|||${at}`,
    `OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||${at}`,
    `OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.4.1.150021|118|mm[Hg]^mm[Hg]^UCUM|||||F|||${at}`,
  ].join('\r');
}

async function main() {
  const deviceIds = Array.from({ length: WS_DEVICES }, (_, i) => `fuzz-${i}`);
  const gateway = await provisionedGateway({ websocket: [...deviceIds, 'fuzz-probe'], hl7: [HL7_DEVICE], mllp: true });
  const rss = { start: gateway.rssMb(), peak: 0, samples: [] as number[] };
  const sampler = setInterval(() => {
    const now = gateway.rssMb();
    rss.peak = Math.max(rss.peak, now);
    rss.samples.push(now);
  }, 250);
  let crashed: number | null | undefined;
  void gateway.exited.then((code) => (crashed = code));
  console.error(`fuzz: seed ${SEED}; gateway pid ${gateway.child.pid}, RSS at start ${fmt(rss.start)} MB`);

  const started = performance.now();
  const perDevice = Math.ceil(WS_FRAMES / WS_DEVICES);
  const ws = await Promise.all(deviceIds.map((id, i) => fuzzWebSocketDevice(gateway, id, perDevice, prng(SEED + i + 1))));
  const wsSeconds = (performance.now() - started) / 1000;
  console.error(
    `WebSocket: ${fmt(perDevice * WS_DEVICES)} frames from ${WS_DEVICES} devices (about 60 % mutated) in ${wsSeconds.toFixed(1)} s; ` +
      `${fmt(ws.reduce((n, o) => n + o.expected.length, 0))} valid, ${fmt(ws.reduce((n, o) => n + o.errors, 0))} error replies; ` +
      `connections closed by the station (the device reconnected and resent): ${ws.flatMap((o) => o.closedByStation).join(', ') || 'none'}`,
  );

  const hl7Started = performance.now();
  const perConnection = Math.ceil(HL7_MESSAGES / HL7_CONNECTIONS);
  const hl7 = await Promise.all(Array.from({ length: HL7_CONNECTIONS }, (_, i) => fuzzHl7Connection(gateway.mllpPort!, i, perConnection, prng(SEED * 7 + i))));
  console.error(
    `HL7/MLLP: ${fmt(hl7.reduce((n, o) => n + o.sent, 0))} messages (about 70 % mutated) on ${HL7_CONNECTIONS} connections in ${((performance.now() - hl7Started) / 1000).toFixed(1)} s; ` +
      `${fmt(hl7.reduce((n, o) => n + o.replies, 0))} replies, ${fmt(hl7.reduce((n, o) => n + o.acceptedIds.length, 0))} AA; connections closed by the framing budget: ${hl7.reduce((n, o) => n + o.reconnects, 0)}`,
  );

  // Still alive and still answering: a fresh device's frame is acknowledged.
  const probe = await fuzzWebSocketDevice(gateway, 'fuzz-probe', 0, prng(1));
  clearInterval(sampler);
  const rssEnd = gateway.rssMb();
  const failures: string[] = [];
  if (crashed !== undefined) failures.push(`the gateway exited (${crashed})`);
  if (probe.lastAck !== 1) failures.push('the gateway stopped answering a fresh device');
  if (rss.peak > MAX_RSS_MB) failures.push(`RSS peaked at ${fmt(rss.peak)} MB, above ${MAX_RSS_MB} MB`);
  // A close the protocol allows (1006 after a missed heartbeat, 1011 after a failed commit) is
  // survived by reconnecting; anything else is a station fault worth a look.
  for (const o of ws) for (const code of o.closedByStation) if (code !== 1006 && code !== 1011) failures.push(`${o.deviceId}: connection closed by the station (${code})`);

  // SIGKILL: nothing is flushed on the way out, so what is in SQLite is what was durable at ack time.
  const missing = await gateway.killAndInspect((dbPath) => {
    const db = new BetterSqlite3(dbPath, { readonly: true });
    const seqsOf = db.prepare('SELECT seq FROM observations WHERE device_id = ?').pluck();
    const hasMessage = db.prepare('SELECT 1 FROM observations WHERE device_id = ? AND message_id = ?').pluck();
    const out = { wsAcked: 0, wsMissing: 0, wsUnexpected: 0, hl7Acked: 0, hl7Missing: 0, examples: [] as string[] };
    for (const o of ws) {
      const stored = new Set(seqsOf.all(o.deviceId) as number[]);
      const expected = new Set(o.expected);
      for (const seq of o.expected) {
        if (seq > o.lastAck) continue;
        out.wsAcked++;
        if (!stored.has(seq)) {
          out.wsMissing++;
          if (out.examples.length < 5) out.examples.push(`${o.deviceId} seq ${seq} (ack ${o.lastAck}): ${(o.mutatedValid.get(seq) ?? 'unmutated').slice(0, 160)}`);
        }
      }
      for (const seq of stored) if (!expected.has(seq)) out.wsUnexpected++;
    }
    for (const o of hl7) {
      for (const id of o.acceptedIds) {
        out.hl7Acked++;
        if (!hasMessage.get(HL7_DEVICE, id)) out.hl7Missing++;
      }
    }
    db.close();
    return out;
  });
  if (missing.wsMissing > 0) failures.push(`${missing.wsMissing} acknowledged WebSocket frames missing from SQLite, e.g.\n  ${missing.examples.join('\n  ')}`);
  if (missing.wsUnexpected > 0) failures.push(`${missing.wsUnexpected} stored WebSocket frames that should have been refused`);
  if (missing.hl7Missing > 0) failures.push(`${missing.hl7Missing} HL7 messages acknowledged AA missing from SQLite`);

  console.error(`after SIGKILL: ${fmt(missing.wsAcked)} acknowledged WebSocket frames and ${fmt(missing.hl7Acked)} AA messages checked in SQLite; missing ${missing.wsMissing + missing.hl7Missing}, unexpected ${missing.wsUnexpected}`);
  const half = Math.floor(rss.samples.length / 2);
  const firstHalfPeak = Math.max(0, ...rss.samples.slice(0, half));
  const secondHalfPeak = Math.max(0, ...rss.samples.slice(half));
  console.error(`gateway RSS: start ${fmt(rss.start)} MB, peak ${fmt(rss.peak)} MB (first half ${fmt(firstHalfPeak)}, second half ${fmt(secondHalfPeak)}), end ${fmt(rssEnd)} MB; ceiling ${MAX_RSS_MB} MB`);
  console.error(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length > 0) {
    console.error(`FUZZ FAILED:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.error('fuzz passed: no crash, bounded RSS, every acknowledged frame and message stored');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
