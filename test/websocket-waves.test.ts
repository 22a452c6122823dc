import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { databasePath, type Station } from '../gateway/station.js';
import { encodeWaveFrame, WAVE_HEADER_BYTES, type WaveFrame } from '../gateway/protocol/wave-frames.js';
import { WaveQueries } from '../gateway/waves/wave-queries.js';
import { startStationWithMonitor } from './helpers/station-fixture.js';
import { rawDevice } from './helpers/raw-device.js';

const second = (startTs: number, base = 0): Omit<WaveFrame, 'seq'> => ({
  startTs,
  wave: 'ECG_II',
  sampleRate: 250,
  scale: 0.005,
  offset: 0,
  samples: Int16Array.from({ length: 250 }, (_, i) => Math.round(200 * Math.sin((i + base) / 10))),
});

describe('WebSocket waveform frames', () => {
  let station: Station;
  let stop: () => Promise<void>;
  let key: string;
  let url: string;

  beforeEach(async () => {
    ({ station, stop, key } = await startStationWithMonitor());
    url = `ws://127.0.0.1:${station.devicePort}/devices`;
  });
  afterEach(async () => stop());

  it('acknowledges a wave frame only once another connection can read the block, sample for sample', async () => {
    const reader = new BetterSqlite3(databasePath(station.config.dataDir), { readonly: true });
    const queries = new WaveQueries(reader);
    const client = new DeviceClient({ url, key });
    await client.connect();
    const t0 = Date.now() - 10_000;
    const sent = Array.from({ length: 10 }, (_, i) => second(t0 + i * 1000, i * 250));
    let last = 0;
    for (const frame of sent) last = client.sendWave(frame);
    await client.waves.until(last);
    const blocks = queries.deviceBlocks('mon-1');
    expect(blocks.map((b) => b.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    blocks.forEach((b, i) => {
      expect(Array.from(b.samples)).toEqual(Array.from(sent[i]!.samples));
      expect(b).toMatchObject({ wave: 'ECG_II', startTs: sent[i]!.startTs, sampleRate: 250 });
    });
    // Filed under the patient admitted to the device's bed, readable by time.
    const patientId = station.ward.beds().find((b) => b.id === 'B1')!.patient!.id;
    expect(queries.patientBlocks(patientId, 'ECG_II', t0 + 2500, t0 + 5000).map((b) => b.seq)).toEqual([3, 4, 5]);
    expect(queries.patientBlocks(patientId, 'ECG_II', t0 + 3000, t0 + 5000).map((b) => b.seq)).toEqual([4, 5]);
    await client.close();
    reader.close();
  });

  it('stores a resent wave frame once and acknowledges it again', async () => {
    const device = await rawDevice(station.devicePort, key);
    const t0 = Date.now() - 5000;
    const frame = encodeWaveFrame({ ...second(t0), seq: 1 });
    device.ws.send(frame);
    await device.next((f) => f.type === 'wave_ack' && f.seq === 1);
    device.ws.close();
    const again = await rawDevice(station.devicePort, key);
    again.ws.send(frame);
    again.ws.send(encodeWaveFrame({ ...second(t0 + 1000), seq: 2 }));
    await again.next((f) => f.type === 'wave_ack' && f.seq === 2);
    const reader = new BetterSqlite3(databasePath(station.config.dataDir), { readonly: true });
    expect(new WaveQueries(reader).deviceBlocks('mon-1').map((b) => b.seq)).toEqual([1, 2]);
    reader.close();
    again.ws.close();
  });

  it('answers a bad wave frame with wave_error and keeps the connection, its numerics and its waves working', async () => {
    const device = await rawDevice(station.devicePort, key);
    const good = encodeWaveFrame({ ...second(Date.now() - 2000), seq: 5 });
    const truncated = good.subarray(0, WAVE_HEADER_BYTES + 10);
    device.ws.send(truncated);
    const error = await device.next((f) => f.type === 'wave_error');
    expect(error).toMatchObject({ seq: 5, code: 'wave_truncated' });
    const garbage = Buffer.from('{"type":"obs"} but binary');
    device.ws.send(garbage);
    expect(await device.next((f) => f.type === 'wave_error' && f.code === 'wave_bad_magic')).toMatchObject({ seq: null });
    // Numeric frames keep their own sequence and ack; the wave stream its own.
    device.ws.send(JSON.stringify({ type: 'obs', seq: 1, ts: Date.now(), vitals: { HR: 70 } }));
    device.ws.send(good);
    expect(await device.next((f) => f.type === 'ack')).toEqual({ type: 'ack', seq: 1 });
    expect(await device.next((f) => f.type === 'wave_ack')).toEqual({ type: 'wave_ack', seq: 5 });
    expect(station.state.snapshot().devices.find((d) => d.id === 'mon-1')?.rejectedFrames).toBe(2);
    device.ws.close();
  });
});
