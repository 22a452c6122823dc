import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionState, DeviceDirectory, RegisteredDevice, TechnicalCondition } from '../gateway/domain/device.js';
import type { IngestSink } from '../gateway/domain/ingest-sink.js';
import type { Observation, StoreOutcome } from '../gateway/domain/observation.js';
import { frameMllp, MllpDecoder } from '../gateway/ingest/hl7/mllp-framing.js';
import { MllpChannel } from '../gateway/ingest/mllp-channel.js';

const DEVICES: RegisteredDevice[] = [
  { id: 'MON-1', model: 'test monitor', transport: 'hl7', bedId: 'B1', patientMrn: 'MRN0042' },
  { id: '0123456789ABCDEF', model: 'gateway', transport: 'hl7', bedId: 'B2', patientMrn: null },
];

const directory: DeviceDirectory = {
  findByKey: () => undefined,
  findById: (id) => DEVICES.find((d) => d.id === id),
};

interface PendingStore {
  readonly observation: Observation;
  resolve(outcome: StoreOutcome): void;
  reject(error: Error): void;
}

/** Records every call; `store` resolves at once unless `hold` is set, then the test decides. */
class RecordingSink implements IngestSink {
  hold = false;
  failStore = false;
  readonly committed = new Map<string, Observation>();
  readonly stores: Observation[] = [];
  readonly pending: PendingStore[] = [];
  readonly connections: Array<[string, ConnectionState]> = [];
  readonly technicals: TechnicalCondition[] = [];
  readonly rejections: Array<[string | null, string]> = [];
  private storeWaiters: Array<() => void> = [];
  private connectionWaiters: Array<() => void> = [];

  store(observation: Observation): Promise<StoreOutcome> {
    this.stores.push(observation);
    for (const wake of this.storeWaiters.splice(0)) wake();
    if (this.failStore) return Promise.reject(new Error('disk full'));
    const commit = (): StoreOutcome => {
      const key = `${observation.deviceId}/${observation.messageId}`;
      if (this.committed.has(key)) return 'duplicate';
      this.committed.set(key, observation);
      return 'stored';
    };
    if (!this.hold) return Promise.resolve(commit());
    return new Promise((resolve, reject) => this.pending.push({ observation, resolve: () => resolve(commit()), reject }));
  }
  connection(deviceId: string, _transport: string, state: ConnectionState): void {
    this.connections.push([deviceId, state]);
    for (const wake of this.connectionWaiters.splice(0)) wake();
  }
  technical(condition: TechnicalCondition): void {
    this.technicals.push(condition);
  }
  rejected(deviceId: string | null, _transport: string, code: string): void {
    this.rejections.push([deviceId, code]);
  }
  async untilStoreCalls(n: number): Promise<void> {
    while (this.stores.length < n) await new Promise<void>((r) => this.storeWaiters.push(r));
  }
  async untilConnection(deviceId: string, state: ConnectionState): Promise<void> {
    while (!this.connections.some(([d, s]) => d === deviceId && s === state)) await new Promise<void>((r) => this.connectionWaiters.push(r));
  }
}

/** An MLLP client that collects the ACKs it receives. */
class Client {
  private readonly decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
  readonly acks: string[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const e of this.decoder.push(chunk)) if (e.type === 'message') this.acks.push(e.message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  send(message: string | Buffer): void {
    this.socket.write(typeof message === 'string' ? frameMllp(message) : message);
  }

  async ack(index: number): Promise<Ack> {
    while (this.acks.length <= index) await new Promise<void>((r) => this.waiters.push(r));
    return parseAck(this.acks[index]!);
  }
}

interface Ack {
  readonly code: string;
  readonly controlId: string;
  readonly text: string;
  readonly segments: string[];
}

function parseAck(text: string): Ack {
  const segments = text.split('\r').filter(Boolean);
  const msa = segments.find((s) => s.startsWith('MSA|'))!.split('|');
  return { code: msa[1]!, controlId: msa[2] ?? '', text: msa[3] ?? '', segments };
}

/** An HL7 DTM in UTC with offset, e.g. 20261124101500+0000. */
function hl7Time(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:T]/g, '').slice(0, 14) + '+0000';
}

function oru(controlId: string, opts: { device?: string; mrn?: string; spo2?: string; status?: string; at?: number } = {}): string {
  const device = opts.device ?? 'MON-1';
  const at = hl7Time(opts.at ?? Date.now() - 60_000);
  return [
    `MSH|^~\\&|${device}^0000000000000001^EUI-64|ICU|WARD_STATION|WARD|${at}||ORU^R01^ORU_R01|${controlId}|P|2.6`,
    `PID|||${opts.mrn ?? 'MRN0042'}^^^HOSP^MR`,
    'OBR|1|||182777000^monitoring of patient^SCT|||${at}',
    `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|${opts.spo2 ?? '97'}|262688^MDC_DIM_PERCENT^MDC|||||${opts.status ?? 'F'}|||${at}`,
    'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||${at}',
  ].join('\r');
}

describe('MllpChannel over TCP', () => {
  let sink: RecordingSink;
  let channel: MllpChannel;
  const clients: Client[] = [];
  const open = async () => {
    const client = await Client.open(channel.port);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    sink = new RecordingSink();
    channel = new MllpChannel({ host: '127.0.0.1', port: 0, defaultUtcOffsetMinutes: 0 }, { directory, sink });
    await channel.start();
  });

  afterEach(async () => {
    for (const p of sink.pending) p.resolve('stored');
    for (const c of clients.splice(0)) c.socket.destroy();
    await channel.stop();
  });

  it('stores the vitals and answers AA echoing MSH-10; reports the device connection', async () => {
    const client = await open();
    const at = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    client.send(oru('CTRL-1', { at }));
    const ack = await client.ack(0);
    expect(ack.code).toBe('AA');
    expect(ack.controlId).toBe('CTRL-1');
    expect(ack.segments[0]).toMatch(/^MSH\|\^~\\&\|WARD_STATION\|WARD\|MON-1\^0000000000000001\^EUI-64\|ICU\|\d{14}\+0000\|\|ACK\^R01\^ACK\|/);
    expect(sink.stores).toEqual([{ deviceId: 'MON-1', seq: null, messageId: 'CTRL-1', ts: at, vitals: { SPO2: 97, HR: 72 } }]);
    expect(sink.connections).toEqual([['MON-1', 'connected']]);
    client.socket.end();
    await sink.untilConnection('MON-1', 'disconnected');
  });

  it('sends AA only after the store promise resolves', async () => {
    sink.hold = true;
    const held = await open();
    held.send(oru('HELD-1'));
    await sink.untilStoreCalls(1);
    // A full round trip on another connection: the server has had every chance to answer.
    const other = await open();
    other.send(oru('OTHER-1', { device: 'NOBODY' }));
    expect((await other.ack(0)).code).toBe('AR');
    expect(held.acks).toEqual([]);
    sink.pending[0]!.resolve('stored');
    const ack = await held.ack(0);
    expect(ack).toMatchObject({ code: 'AA', controlId: 'HELD-1' });
  });

  it('answers AR for an unknown device and stores nothing', async () => {
    const client = await open();
    client.send(oru('U-1', { device: 'STRANGER' }));
    const ack = await client.ack(0);
    expect(ack).toMatchObject({ code: 'AR', controlId: 'U-1' });
    expect(ack.text).toMatch(/unknown device/);
    expect(ack.segments[2]).toMatch(/^ERR\|\|\|204\^Unknown key identifier\^HL70357\|E\|/);
    expect(sink.stores).toEqual([]);
    expect(sink.connections).toEqual([]);
  });

  it('identifies a device by MSH-3 component 2 (EUI-64) when component 1 is unknown', async () => {
    const client = await open();
    client.send(oru('E-1', { device: 'ACME_GW' }).replace('0000000000000001', '0123456789ABCDEF'));
    expect((await client.ack(0)).code).toBe('AA');
    expect(sink.stores[0]!.deviceId).toBe('0123456789ABCDEF');
  });

  it('answers AE for a patient mismatch and never stores the values', async () => {
    const client = await open();
    client.send(oru('P-1', { mrn: 'SOMEONE-ELSE' }));
    const ack = await client.ack(0);
    expect(ack).toMatchObject({ code: 'AE', controlId: 'P-1' });
    expect(ack.text).toMatch(/patient mismatch/);
    expect(sink.stores).toEqual([]);
    expect(sink.rejections).toContainEqual(['MON-1', 'patient_mismatch']);
  });

  it('acknowledges a resent message again and stores it once', async () => {
    const client = await open();
    client.send(oru('DUP-1'));
    client.send(oru('DUP-1'));
    expect((await client.ack(0)).code).toBe('AA');
    expect((await client.ack(1)).code).toBe('AA');
    expect(sink.stores).toHaveLength(2);
    expect([...sink.committed.keys()]).toEqual(['MON-1/DUP-1']);
  });

  it('answers AE when storage fails', async () => {
    sink.failStore = true;
    const client = await open();
    client.send(oru('F-1'));
    const ack = await client.ack(0);
    expect(ack).toMatchObject({ code: 'AE', controlId: 'F-1' });
    expect(ack.text).toMatch(/storage failure/);
  });

  it('stores the valid values, AA, and reports a status-X value as a technical condition', async () => {
    const client = await open();
    client.send(oru('X-1', { spo2: '', status: 'X' }));
    expect((await client.ack(0)).code).toBe('AA');
    expect(sink.stores[0]!.vitals).toEqual({ HR: 72 });
    expect(sink.technicals).toEqual([{ deviceId: 'MON-1', kind: 'invalid_value', active: true, vital: 'SPO2', detail: 'invalid_value' }]);
    expect(sink.rejections).toEqual([['MON-1', 'invalid_value']]);
  });

  it('skips bytes outside a frame without an ACK, so a sender pairing ACKs by order gets exactly one per message', async () => {
    const client = await open();
    client.send(Buffer.from('\n\x00junk'));
    client.send(oru('AFTER-1'));
    client.send(Buffer.from('this is not MLLP\r\n'));
    client.send(oru('AFTER-2'));
    expect(await client.ack(0)).toMatchObject({ code: 'AA', controlId: 'AFTER-1' });
    expect(await client.ack(1)).toMatchObject({ code: 'AA', controlId: 'AFTER-2' });
    expect(client.acks).toHaveLength(2);
    expect(sink.rejections.filter(([, code]) => code === 'outside_frame')).toHaveLength(2);
  });

  it('closes a connection that spends its framing-error budget, without an ACK for frames never completed', async () => {
    const client = await open();
    // Every start block interrupts the frame the previous one opened: 29 framing errors.
    client.send(Buffer.from('\x0bx'.repeat(30)));
    await client.closed;
    expect(client.acks).toEqual([]);
    const next = await open();
    next.send(oru('NEXT-1'));
    expect(await next.ack(0)).toMatchObject({ code: 'AA' });
  });

  it('cuts off 5 MB of random bytes after a bounded number of replies, however many frames the noise seems to hold', async () => {
    const client = await open();
    // Seeded noise: the same bytes on every run.
    let seed = 12345;
    const noise = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      noise[i] = seed >> 16;
    }
    client.socket.write(noise);
    await client.closed;
    expect(client.acks.length).toBeLessThanOrEqual(20);
    expect(client.acks.every((a) => parseAck(a).code === 'AR')).toBe(true);
  });

  it('refuses a message dated beyond the station clock bounds (AE), stores nothing, and reports the clock fault until a good one', async () => {
    const client = await open();
    client.send(oru('OLD-1', { at: Date.UTC(2012, 5, 1, 10, 0, 0) }));
    const old = await client.ack(0);
    expect(old).toMatchObject({ code: 'AE', controlId: 'OLD-1' });
    expect(old.text).toMatch(/clock/);
    client.send(oru('AHEAD-1', { at: Date.now() + 3600_000 }));
    expect(await client.ack(1)).toMatchObject({ code: 'AE', controlId: 'AHEAD-1' });
    expect(sink.stores).toEqual([]);
    expect(sink.technicals).toEqual([{ deviceId: 'MON-1', kind: 'clock_fault', active: true, detail: 'behind' }]);
    client.send(oru('NOW-1'));
    expect(await client.ack(2)).toMatchObject({ code: 'AA', controlId: 'NOW-1' });
    expect(sink.technicals.at(-1)).toEqual({ deviceId: 'MON-1', kind: 'clock_fault', active: false });
    expect(sink.rejections.filter(([, code]) => code === 'ts_out_of_bounds')).toHaveLength(2);
  });

  it('answers an unreadable framed message with AR', async () => {
    const client = await open();
    client.send('hello, world');
    expect(await client.ack(0)).toMatchObject({ code: 'AR', controlId: '' });
    client.send(oru('ADT-1').replace('ORU^R01^ORU_R01', 'ADT^A01^ADT_A01'));
    const ack = await client.ack(1);
    expect(ack).toMatchObject({ code: 'AR', controlId: 'ADT-1' });
    expect(ack.text).toBe('expected ORU\\S\\R01, got ADT\\S\\A01');
    expect(ack.segments[2]).toMatch(/^ERR\|\|\|200\^/);
  });

  it('survives 1 MB of garbage: the same connection recovers, and random binary does not kill the server', async () => {
    const client = await open();
    client.send(Buffer.alloc(1 << 20, 0x41));
    client.send(oru('AFTER-GARBAGE'));
    // The garbage is skipped and counted (no ACK: it was no message), then the message is handled.
    expect(await client.ack(0)).toMatchObject({ code: 'AA', controlId: 'AFTER-GARBAGE' });
    expect(client.acks).toHaveLength(1);

    const noisy = await open();
    noisy.send(randomBytes(1 << 20));
    noisy.socket.end();
    await noisy.closed;
    const fresh = await open();
    fresh.send(oru('FRESH-1'));
    expect(await fresh.ack(0)).toMatchObject({ code: 'AA', controlId: 'FRESH-1' });
  });

  it('answers pipelined messages in order, even when earlier stores finish last', async () => {
    sink.hold = true;
    const client = await open();
    client.socket.write(Buffer.concat(['P1', 'P2', 'P3', 'P4', 'P5'].map((id) => frameMllp(oru(id)))));
    await sink.untilStoreCalls(1);
    // Messages of one connection are handled one after the other: P2 is not stored before P1.
    expect(sink.stores.map((o) => o.messageId)).toEqual(['P1']);
    for (let n = 1; n <= 5; n++) {
      await sink.untilStoreCalls(n);
      sink.pending[n - 1]!.resolve('stored');
    }
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await client.ack(i)).controlId);
    expect(ids).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
  });

  it('stop() lets a pending store finish and still sends its ACK', async () => {
    sink.hold = true;
    const client = await open();
    client.send(oru('STOP-1'));
    await sink.untilStoreCalls(1);
    const stopped = channel.stop();
    sink.pending[0]!.resolve('stored');
    expect(await client.ack(0)).toMatchObject({ code: 'AA', controlId: 'STOP-1' });
    await stopped;
    await client.closed;
  });
});
