import { gunzipSync } from 'node:zlib';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { admitToBed, stationDatabase } from '../../test/helpers/station-database.js';
import { StationBatch } from '../protocol/sync-batch.js';
import { BatchReader, type PreparedBatch } from './batch-reader.js';
import { waveBatchCommitter } from '../waves/wave-block-store.js';
import { ALARM_WAVES_SETTLE_MS } from './alarm-wave-batches.js';

const T0 = Date.UTC(2026, 11, 3, 9);
const OPTIONS = { beforeMs: 4000, afterMs: 2000 };
const body = (batch: PreparedBatch | null) => JSON.parse(gunzipSync(batch!.body).toString()) as StationBatch;

describe('alarm strips in the sync batches', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  it('come after the alarm events and vitals, once each window has passed, with exactly the stored samples', () => {
    const db = stationDatabase(cleanups);
    const patientId = admitToBed(db, { mrn: 'M1', name: 'Pat', birthDate: null });
    // 20 s of ECG at 250 Hz: sample k of second s is s * 300 + k.
    const commit = waveBatchCommitter(db);
    for (let s = 0; s < 20; s++) {
      commit({
        receivedAt: T0 + s * 1000 + 1000, deviceIds: ['mon-1'], seqs: [s + 1], waves: ['ECG_II'], startTs: [T0 + s * 1000], sampleRates: [250], scales: [0.005], offsets: [0],
        bedIds: ['B1'], patientIds: [patientId], samples: [Int16Array.from({ length: 250 }, (_, k) => s * 300 + k)],
      });
    }
    const event = db.prepare(`INSERT INTO alarm_events (alarm_id, phase, at, condition, type, priority, state, inactivation, bed_id, patient_id, device_id, value, limit_value)
      VALUES (?, ?, ?, ?, ?, 'PM', 'active', 'none', 'B1', ?, 'mon-1', 90, 92)`);
    event.run('a-1', 'start', T0 + 5000, 'SPO2_LOW', 'physiological', patientId); // id 1: a strip
    event.run('a-2', 'start', T0 + 6000, 'DEVICE_OFFLINE', 'technical', null); // id 2: technical, none
    event.run('a-1', 'end', T0 + 7000, 'SPO2_LOW', 'physiological', patientId); // id 3: an end, none
    event.run('a-3', 'start', T0 + 19_000, 'SPO2_LOW', 'physiological', patientId); // id 4: a strip later
    const observation = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at, bed_id, patient_id) VALUES (?, ?, ?, ?, ?, ?)').run('mon-1', 1, T0, T0, 'B1', patientId);
    db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, 72)').run(observation.lastInsertRowid);

    const reader = new BatchReader(db);
    const now = T0 + 5000 + OPTIONS.afterMs + ALARM_WAVES_SETTLE_MS; // a-1's window has passed, a-3's has not
    // Alarm events first, then vitals: the strips wait for both.
    const events = reader.next(100, {}, { alarmWaves: OPTIONS, now });
    expect(events!.stream).toBe('alarm_events');
    reader.confirm(events!.lastId, now, 'alarm_events');
    const vitals = reader.next(100, {}, { alarmWaves: OPTIONS, now });
    expect(vitals!.stream).toBe('observations');
    reader.confirm(vitals!.lastId, now, 'observations');
    // Not asked for (the default): nothing more.
    expect(reader.next(100, {}, { now })).toBeNull();

    const first = reader.next(100, {}, { alarmWaves: OPTIONS, now });
    expect(first).toMatchObject({ stream: 'alarm_waves', lastId: 3 });
    const sent = body(first);
    expect([...Value.Errors(StationBatch, sent)]).toEqual([]);
    expect(sent.alarmWaves!.map((w) => [w.id, w.alarmId, w.from - T0, w.to - T0, w.patient.mrn])).toEqual([[1, 'a-1', 1000, 7000, 'M1']]);
    const [stretch] = sent.alarmWaves![0]!.waves.ECG_II!;
    const samples = new Int16Array(new Uint8Array(Buffer.from(stretch!.samples, 'base64')).buffer);
    expect(stretch!.startTs).toBe(T0 + 1000);
    expect(samples.length).toBe(6 * 250);
    expect([samples[0], samples.at(-1)]).toEqual([1 * 300, 6 * 300 + 249]);
    reader.confirm(first!.lastId, now, 'alarm_waves');

    // a-3's window (to 21 s) has not passed: the stream waits there instead of skipping it.
    expect(reader.next(100, {}, { alarmWaves: OPTIONS, now })).toBeNull();
    const later = reader.next(100, {}, { alarmWaves: OPTIONS, now: T0 + 19_000 + OPTIONS.afterMs + ALARM_WAVES_SETTLE_MS });
    expect(body(later).alarmWaves!.map((w) => w.alarmId)).toEqual(['a-3']);
    // Its window runs past the stored 20 s: the strip holds what there is (15 s to 20 s).
    expect(body(later).alarmWaves![0]!.waves.ECG_II!.map((s) => Buffer.from(s.samples, 'base64').length / 2)).toEqual([5 * 250]);
  });
});
