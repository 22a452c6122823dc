import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { WebSocket } from 'ws';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { countObservations, deviceSeqs } from '../gateway/storage/observation-queries.js';
import { databasePath, type Station } from '../gateway/station.js';
import { startStation } from '../gateway/station.js';
import { silentLogger } from '../gateway/log.js';
import { startStationWithMonitor, tempDir, testConfig } from './helpers/station-fixture.js';
import { rawDevice, type ServerFrame } from './helpers/raw-device.js';

function refusalStatus(port: number, key: string | null): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/devices`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('connection was accepted')));
  });
}

describe('WebSocket device ingest', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let key: string;

  beforeEach(async () => {
    ({ station, stop, key } = await startStationWithMonitor());
  });
  afterEach(async () => stop());

  it('acknowledges only what another connection can already read from the SQLite file', async () => {
    const reader = new BetterSqlite3(databasePath(station.config.dataDir), { readonly: true });
    const violations: number[] = [];
    const client = new DeviceClient({
      url: `ws://127.0.0.1:${station.devicePort}/devices`,
      key,
      onAck: (seq) => {
        const row = reader.prepare('SELECT COUNT(*) AS n FROM observations WHERE device_id = ? AND seq <= ?').get('mon-1', seq) as { n: number };
        if (row.n !== seq) violations.push(seq);
      },
    });
    await client.connect();
    for (let i = 0; i < 500; i++) client.send({ HR: 60 + (i % 40), SPO2: 97, RR: 14 }, Date.now());
    await client.acked(500);
    await client.close();
    expect(violations).toEqual([]);
    expect(countObservations(station.db)).toEqual({ observations: 500, values: 1500 });
    const values = station.db.prepare('SELECT patient_id AS p, bed_id AS b FROM observations LIMIT 1').get() as { p: number; b: string };
    expect(values.b).toBe('B1');
    expect(values.p).toBe(station.ward.patientIdByMrn('MRN1'));
    reader.close();
  });

  it('stores each (device, seq) once when a device resends after reconnecting', async () => {
    const first = await rawDevice(station.devicePort, key);
    const ts = Date.now();
    for (let seq = 1; seq <= 50; seq++) first.ws.send(JSON.stringify({ type: 'obs', seq, ts: ts + seq, vitals: { HR: 70 } }));
    await first.next((f) => f.type === 'ack' && f.seq === 50);
    first.ws.terminate();
    const second = await rawDevice(station.devicePort, key);
    for (let seq = 1; seq <= 60; seq++) second.ws.send(JSON.stringify({ type: 'obs', seq, ts: ts + seq, vitals: { HR: 70 } }));
    await second.next((f) => f.type === 'ack' && f.seq === 60);
    second.ws.close();
    expect(deviceSeqs(station.db, 'mon-1')).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('answers each kind of bad frame with its error code and keeps the connection usable', async () => {
    const device = await rawDevice(station.devicePort, key);
    const now = Date.now();
    const bad: Array<[string | Buffer, string]> = [
      ['{"type":"obs","seq":1,', 'invalid_json'],
      ['[1,2,3]', 'invalid_frame'],
      ['{"type":"obs","seq":2,"ts":' + now + ',"vitals":{"HR":NaN}}', 'invalid_json'],
      [JSON.stringify({ type: 'hello', seq: 3 }), 'unknown_type'],
      [JSON.stringify({ type: 'obs', seq: -4, ts: now, vitals: { HR: 70 } }), 'invalid_seq'],
      [JSON.stringify({ type: 'obs', seq: '5', ts: now, vitals: { HR: 70 } }), 'invalid_seq'],
      [JSON.stringify({ type: 'obs', seq: 6, ts: '2026-01-01 10:00', vitals: { HR: 70 } }), 'invalid_ts'],
      [JSON.stringify({ type: 'obs', seq: 7, ts: now + 3600_000, vitals: { HR: 70 } }), 'ts_out_of_bounds'],
      [JSON.stringify({ type: 'obs', seq: 8, ts: now, vitals: [70] }), 'invalid_frame'],
      [JSON.stringify({ type: 'obs', seq: 9, ts: now, vitals: { FOO: 1 } }), 'unknown_vital'],
      [JSON.stringify({ type: 'obs', seq: 10, ts: now, vitals: { HR: '72' } }), 'not_a_number'],
      ['{"type":"obs","seq":11,"ts":' + now + ',"vitals":{"HR":1e999}}', 'not_a_number'],
      [JSON.stringify({ type: 'obs', seq: 12, ts: now, vitals: { SPO2: 140 } }), 'out_of_range'],
      [JSON.stringify({ type: 'obs', seq: 13, ts: now, vitals: {} }), 'no_valid_vitals'],
      [JSON.stringify({ type: 'obs', seq: 14, ts: now, vitals: { HR: 70 }, pad: 'x'.repeat(70_000) }), 'frame_too_large'],
    ];
    for (const [frame, code] of bad) {
      const before = device.frames.length;
      device.ws.send(frame);
      const reply = await device.next((f) => device.frames.indexOf(f) >= before && f.type === 'error');
      expect(reply.code, `reply to ${String(frame).slice(0, 60)}`).toBe(code);
      expect(typeof reply.message).toBe('string');
    }
    // Binary messages are wave frames: garbage in one is a bad wave frame, answered in kind.
    const before = device.frames.length;
    device.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
    expect(await device.next((f) => device.frames.indexOf(f) >= before && f.type === 'wave_error')).toMatchObject({ seq: null, code: 'wave_bad_magic' });
    // Partly valid: the impossible SpO2 is refused, the heart rate is kept.
    device.ws.send(JSON.stringify({ type: 'obs', seq: 15, ts: now, vitals: { HR: 71, SPO2: -3 } }));
    const partial = await device.next((f) => f.type === 'error' && f.seq === 15);
    expect(partial.code).toBe('out_of_range');
    device.ws.send(JSON.stringify({ type: 'obs', seq: 16, ts: now, vitals: { HR: 72 } }));
    await device.next((f) => f.type === 'ack' && f.seq === 16);
    device.ws.close();
    expect(deviceSeqs(station.db, 'mon-1')).toEqual([15, 16]);
    const stored = station.db.prepare('SELECT vital, value FROM observation_values ORDER BY observation_id, vital').all();
    expect(stored).toEqual([
      { vital: 1, value: 71 },
      { vital: 1, value: 72 },
    ]);
  });

  it('reports a device clock out of bounds as a technical condition until a frame is in bounds again', async () => {
    const device = await rawDevice(station.devicePort, key);
    device.ws.send(JSON.stringify({ type: 'obs', seq: 1, ts: Date.UTC(2011, 0, 1), vitals: { HR: 70 } }));
    expect((await device.next((f) => f.type === 'error' && f.seq === 1)).code).toBe('ts_out_of_bounds');
    expect(station.technical.get('mon-1|clock_fault|')).toMatchObject({ active: true, detail: 'behind' });
    device.ws.send(JSON.stringify({ type: 'obs', seq: 2, ts: Date.now(), vitals: { HR: 70 } }));
    await device.next((f) => f.type === 'ack' && f.seq === 2);
    expect(station.technical.get('mon-1|clock_fault|')).toMatchObject({ active: false });
    device.ws.close();
  });

  it('refuses unknown, missing and revoked keys before the upgrade and stores nothing', async () => {
    expect(await refusalStatus(station.devicePort, 'wsk_not-a-real-key')).toBe(401);
    expect(await refusalStatus(station.devicePort, null)).toBe(401);
    station.registry.revoke('mon-1', 'test');
    expect(await refusalStatus(station.devicePort, key)).toBe(401);
    expect(countObservations(station.db).observations).toBe(0);
  });

  it('closes a connected device as soon as it is revoked', async () => {
    const device = await rawDevice(station.devicePort, key);
    const closed = new Promise<number>((resolve) => device.ws.once('close', (code) => resolve(code)));
    station.registry.revoke('mon-1', 'test');
    expect(await closed).toBe(4003);
  });

  it('stores no faster than the documented bucket (500 frames/s, burst 5,000) however fast a device sends', async () => {
    // Taken before the connection exists: the bound below is then looser than the station's own.
    const began = performance.now();
    const device = await rawDevice(station.devicePort, key);
    const over: Array<{ seq: number; ms: number }> = [];
    device.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      const ms = performance.now() - began;
      if (frame.type === 'ack' && frame.seq! > 5000 + 500 * (ms / 1000) + 1) over.push({ seq: frame.seq!, ms: Math.round(ms) });
    });
    const ts = Date.now();
    const total = 7000;
    for (let seq = 1; seq <= total; seq++) device.ws.send(`{"type":"obs","seq":${seq},"ts":${ts},"vitals":{"HR":70}}`);
    await device.next((f) => f.type === 'ack' && f.seq === total);
    device.ws.close();
    expect(over.slice(0, 3)).toEqual([]);
    // Nothing is dropped: the frames above the rate were only slowed down.
    expect(deviceSeqs(station.db, 'mon-1')).toHaveLength(total);
  });

  it('does not drop a device for a pong it could not read: the station itself had paused the socket', async () => {
    const dir = tempDir();
    const paced = await startStation({ ...testConfig(dir.path), devices: { host: '127.0.0.1', port: 0, heartbeatMs: 100 } }, silentLogger());
    try {
      const pacedKey = paced.registry.register({ id: 'mon-9', model: 'Test monitor', transport: 'websocket', bedId: null }, 'test').key!;
      const device = await rawDevice(paced.devicePort, pacedKey);
      const closed: number[] = [];
      device.ws.on('close', (code) => closed.push(code));
      // Past the burst, the station reads this device at 500 frames/s: paused for about 2 s,
      // about 20 heartbeat ticks, with the device's pongs queued behind unread frames.
      const total = 6000;
      const unknownCodes = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X${i}`, i]));
      for (let seq = 1; seq <= total; seq++) device.ws.send(JSON.stringify({ type: 'obs', seq, ts: Date.now(), vitals: { HR: 70, ...unknownCodes } }));
      const last = await Promise.race([device.next((f) => f.type === 'ack' && f.seq === total), new Promise<null>((resolve) => device.ws.once('close', () => resolve(null)))]);
      expect(closed).toEqual([]);
      expect(last).toEqual({ type: 'ack', seq: total });
      device.ws.close();
      // A device that really stops answering is still dropped.
      const silent = new WebSocket(`ws://127.0.0.1:${paced.devicePort}/devices`, { headers: { authorization: `Bearer ${pacedKey}` }, autoPong: false });
      const code = await new Promise<number>((resolve) => silent.once('close', (c) => resolve(c)));
      expect(code).toBe(1006);
    } finally {
      await paced.stop();
      dir.remove();
    }
  });

  it('answers with a bounded error frame, never larger than a few hundred bytes, however many values a frame gets wrong', async () => {
    const device = await rawDevice(station.devicePort, key);
    const sizes: number[] = [];
    device.ws.on('message', (data) => sizes.push((data as Buffer).length));
    const unknown = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`V${i}`, 1]));
    const partly = JSON.stringify({ type: 'obs', seq: 1, ts: Date.now(), vitals: { HR: 70, ...unknown } });
    const wholly = JSON.stringify({ type: 'obs', seq: 2, ts: Date.now(), vitals: unknown });
    const longType = JSON.stringify({ type: 'x'.repeat(60_000), seq: 3 });
    expect(Math.max(partly.length, wholly.length, longType.length)).toBeLessThanOrEqual(64 * 1024);
    for (const frame of [partly, wholly, longType]) device.ws.send(frame);
    const first = await device.next((f) => f.type === 'error' && f.seq === 1);
    expect(first.message).toMatch(/^6000 values rejected: unknown vital code "V0"; unknown vital code "V1"; unknown vital code "V2"; and 5997 more$/);
    expect((await device.next((f) => f.type === 'error' && f.seq === 2)).code).toBe('unknown_vital');
    await device.next((f) => f.type === 'error' && f.seq === 3);
    await device.next((f) => f.type === 'ack' && f.seq === 1);
    device.ws.close();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(512);
  });

  it('keeps other devices streaming while one device sends garbage', async () => {
    const key2 = station.registry.register({ id: 'mon-2', model: 'Test monitor', transport: 'websocket', bedId: null }, 'test').key!;
    const attacker = await rawDevice(station.devicePort, key);
    const good = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key: key2 });
    await good.connect();
    for (let i = 0; i < 200; i++) {
      attacker.ws.send('\u0000\u0001garbage{{{');
      good.send({ HR: 80 });
    }
    await good.acked(200);
    await good.close();
    attacker.ws.close();
    expect(deviceSeqs(station.db, 'mon-2')).toHaveLength(200);
    expect(attacker.frames.filter((f) => f.code === 'invalid_json').length).toBeGreaterThan(0);
  });
});
