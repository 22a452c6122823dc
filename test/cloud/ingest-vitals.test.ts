import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, putBatch, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const PATIENT = { mrn: 'MRN-1001', name: 'Ada Lovelace', birthDate: '1950-12-10' };

function observations(first: number, count: number, patient: typeof PATIENT | null = PATIENT, device = 'mon-1') {
  return Array.from({ length: count }, (_, i) => ({
    id: first + i,
    deviceId: device,
    bedId: 'B1',
    ts: T0 + (first + i) * 1000,
    patient,
    vitals: { HR: 60 + ((first + i) % 40), SPO2: 90 + ((first + i) % 10) },
  }));
}

describe('station batches → cloud → physician API (real PostgreSQL)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let credential: string;
  let physicianToken: string;
  let patientId: number;
  beforeAll(async () => {
    cloud = await startTestCloud();
    const station = await cloud.service.ctx.stations.provision('ward-4b', 'Ward 4B');
    credential = `${station.stationId}.${station.secret}`;
    physicianToken = (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken;
  });
  afterAll(() => cloud.stop());

  it('stores a gzip batch, then answers a replay with the same result and stores nothing twice', async () => {
    const batch = { observations: observations(1, 100), alarmEvents: [] };
    const raw = gzipSync(JSON.stringify(batch));
    const first = await putBatch(cloud.url, credential, 'obs-1-100', batch, raw);
    expect(first).toMatchObject({ status: 200, body: { replayed: false, observations: { stored: 100, duplicates: 0 }, values: 200 } });
    const replay = await putBatch(cloud.url, credential, 'obs-1-100', batch, raw);
    expect(replay).toMatchObject({ status: 200, body: { replayed: true, observations: { stored: 100, duplicates: 0 }, values: 200 } });
    const [{ n }] = await cloud.service.ctx.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    expect(n).toBe(200);
    const [patient] = await cloud.service.ctx.sql<[{ id: number; name: string }]>`SELECT id, name FROM patients WHERE mrn = ${PATIENT.mrn}`;
    expect(patient.name).toBe('Ada Lovelace');
    patientId = patient.id;
  });

  it('refuses a different body under a used batch id (409), and skips rows a differently cut batch already brought', async () => {
    const other = { observations: observations(1, 50), alarmEvents: [] };
    expect(await putBatch(cloud.url, credential, 'obs-1-100', other)).toMatchObject({ status: 409, body: { error: 'batch_conflict' } });
    // The station re-cut its batches (e.g. a new batch size after a restart): 51-150 overlaps.
    const overlap = await putBatch(cloud.url, credential, 'obs-51-150', { observations: observations(51, 100), alarmEvents: [] });
    expect(overlap.body).toMatchObject({ observations: { stored: 50, duplicates: 50 }, values: 100 });
    const [{ n }] = await cloud.service.ctx.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    expect(n).toBe(300);
  });

  it('keeps cursors per station database: a reinstalled station whose row ids restart at 1 loses nothing', async () => {
    const [{ n: before }] = await cloud.service.ctx.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    const first = await putBatch(cloud.url, credential, 'new-db-1', { origin: 'a1b2c3', observations: observations(1, 10, null, 'mon-new'), alarmEvents: [] });
    expect(first.body).toMatchObject({ observations: { stored: 10, duplicates: 0 } });
    const again = await putBatch(cloud.url, credential, 'new-db-2', { origin: 'a1b2c3', observations: observations(5, 10, null, 'mon-new'), alarmEvents: [] });
    expect(again.body).toMatchObject({ observations: { stored: 4, duplicates: 6 } });
    const [{ n: after }] = await cloud.service.ctx.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    expect(after - before).toBe(28);
  });

  it('rejects bad batches with a clear error and stores nothing', async () => {
    const unknownVital = { observations: [{ ...observations(151, 1)[0], vitals: { HR: 70, BOGUS: 1 } }], alarmEvents: [] };
    expect(await putBatch(cloud.url, credential, 'bad-1', unknownVital)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const badTs = { observations: [{ ...observations(151, 1)[0], ts: 12 }], alarmEvents: [] };
    expect((await putBatch(cloud.url, credential, 'bad-2', badTs)).status).toBe(400);
    const notGzip = await putBatch(cloud.url, credential, 'bad-3', null, Buffer.from('this is not gzip'));
    expect(notGzip).toMatchObject({ status: 400, body: { error: 'invalid_body_encoding' } });
    // A gzip bomb: 64 MiB of spaces in about 64 KiB. Refused once past the limit, never inflated whole.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, ' '));
    expect(await putBatch(cloud.url, credential, 'bad-4', null, bomb)).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    const otherStation = await fetch(`${cloud.url}/v1/stations/ward-1/batches/x`, { method: 'PUT', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' }, body: '{"observations":[],"alarmEvents":[]}' });
    expect(otherStation.status).toBe(403);
    const [{ n }] = await cloud.service.ctx.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    expect(n).toBe(328);
  });

  it('serves latest vitals per patient, updated by the next batch', async () => {
    const latest = await api<{ vitals: Record<string, { value: number; unit: string; ts: number }> }>(cloud.url, `/v1/patients/${patientId}/vitals/latest`, { token: physicianToken });
    expect(latest.body.vitals.HR).toEqual({ value: 60 + (150 % 40), unit: '/min', ts: T0 + 150_000 });
    await putBatch(cloud.url, credential, 'obs-151-151', { observations: [{ ...observations(151, 1)[0], vitals: { HR: 123, RR: 18 } }], alarmEvents: [] });
    const after = await api<{ vitals: Record<string, { value: number }> }>(cloud.url, `/v1/patients/${patientId}/vitals/latest`, { token: physicianToken });
    expect(after.body.vitals.HR!.value).toBe(123);
    expect(after.body.vitals.RR!.value).toBe(18);
    expect(after.body.vitals.SPO2!.value).toBe(90 + (150 % 10));
  });

  it('answers history raw for a short range and in exact min/mean/max buckets for a long one', async () => {
    const raw = await api<{ resolution: string; series: Record<string, { unit: string; points: number[][] }> }>(
      cloud.url, `/v1/patients/${patientId}/vitals?from=${T0}&to=${T0 + 20 * 60_000}&vitals=HR`, { token: physicianToken });
    expect(raw.body.resolution).toBe('raw');
    expect(raw.body.series.HR!.points).toHaveLength(151);
    expect(raw.body.series.HR!.points[0]).toEqual([T0 + 1000, 61]);

    const day = await api<{ resolution: { bucketSeconds: number }; series: Record<string, { points: number[][] }> }>(
      cloud.url, `/v1/patients/${patientId}/vitals?from=${T0}&to=${T0 + 86_400_000}&vitals=HR,SPO2&maxPoints=288`, { token: physicianToken });
    expect(day.body.resolution).toEqual({ bucketSeconds: 300 });
    // 151 samples between 08:00:01 and 08:02:31 fall in the 08:00 five-minute bucket.
    const hr = day.body.series.HR!.points;
    expect(hr).toHaveLength(1);
    const values = [...observations(1, 150).map((o) => o.vitals.HR), 123];
    expect(hr[0]).toEqual([T0, Math.min(...values), Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100, Math.max(...values), 151]);
  });

  it('answers 404 for the history and latest values of a patient who does not exist', async () => {
    expect(await api(cloud.url, `/v1/patients/999999/vitals?from=${T0}&to=${T0 + 3600_000}`, { token: physicianToken })).toMatchObject({ status: 404, body: { error: 'patient_not_found' } });
    expect(await api(cloud.url, '/v1/patients/999999/vitals/latest', { token: physicianToken })).toMatchObject({ status: 404, body: { error: 'patient_not_found' } });
  });

  it('stores alarm events once and lists them newest first with keyset pages', async () => {
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: i + 1, alarmId: `a${i}`, phase: 'start' as const, at: T0 + i * 1000, condition: 'SPO2_LOW', type: 'physiological' as const,
      priority: 'PM' as const, state: 'active', inactivation: 'none', bedId: 'B1', deviceId: 'mon-1', patient: PATIENT, value: 88, limit: 90, actor: null, reason: null,
    }));
    expect((await putBatch(cloud.url, credential, 'alarms-1-5', { observations: [], alarmEvents: events })).body).toMatchObject({ alarmEvents: { stored: 5, duplicates: 0 } });
    expect((await putBatch(cloud.url, credential, 'alarms-3-5', { observations: [], alarmEvents: events.slice(2) })).body).toMatchObject({ alarmEvents: { stored: 0, duplicates: 3 } });
    const page1 = await api<{ items: Array<{ alarmId: string }>; nextCursor: string }>(cloud.url, `/v1/patients/${patientId}/alarms?limit=3`, { token: physicianToken });
    expect(page1.body.items.map((e) => e.alarmId)).toEqual(['a4', 'a3', 'a2']);
    const page2 = await api<{ items: Array<{ alarmId: string }>; nextCursor: string | null }>(cloud.url, `/v1/patients/${patientId}/alarms?limit=3&cursor=${page1.body.nextCursor}`, { token: physicianToken });
    expect(page2.body.items.map((e) => e.alarmId)).toEqual(['a1', 'a0']);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('writes every read of a patient to the audit log, with who', async () => {
    await cloud.service.ctx.audit.flush();
    const rows = await cloud.service.ctx.sql<Array<{ action: string }>>`SELECT action FROM audit_log WHERE patient_id = ${patientId} AND actor_type = 'user'`;
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['vitals.latest', 'vitals.history', 'alarms.read']));
    // Details are JSON objects one can query, not JSON strings.
    const [history] = await cloud.service.ctx.sql<[{ from: string }]>`SELECT detail->>'from' AS from FROM audit_log WHERE patient_id = ${patientId} AND action = 'vitals.history'`;
    expect(Number(history.from)).toBe(T0);
  });

  it('lists and searches patients by name prefix or MRN, in keyset pages', async () => {
    for (let i = 0; i < 5; i++) await putBatch(cloud.url, credential, `p-${i}`, { observations: [{ ...observations(200 + i, 1)[0], patient: { mrn: `M-${i}`, name: `Zed ${i}`, birthDate: null } }], alarmEvents: [] });
    const first = await api<{ items: Array<{ name: string }>; nextCursor: string }>(cloud.url, '/v1/patients?q=zed&limit=3', { token: physicianToken });
    expect(first.body.items.map((p) => p.name)).toEqual(['Zed 0', 'Zed 1', 'Zed 2']);
    const second = await api<{ items: Array<{ name: string }>; nextCursor: string | null }>(cloud.url, `/v1/patients?q=zed&limit=3&cursor=${first.body.nextCursor}`, { token: physicianToken });
    expect(second.body.items.map((p) => p.name)).toEqual(['Zed 3', 'Zed 4']);
    expect((await api<{ items: Array<{ mrn: string }> }>(cloud.url, '/v1/patients?q=MRN-1001', { token: physicianToken })).body.items.map((p) => p.mrn)).toEqual(['MRN-1001']);
    expect((await api(cloud.url, '/v1/patients?cursor=garbage', { token: physicianToken })).status).toBe(400);
  });
});

describe('latest vitals across replicas', () => {
  // Two replicas started in the test, one on a new database (migrated from nothing): close to a
  // minute on a busy 2-core machine. It waits on the NOTIFY, not on time; this only lets it finish.
  it('a replica that did not ingest drops its cached entry when another replica stores newer values', { timeout: 180_000 }, async () => {
    const a = await startTestCloud();
    const b = await startTestCloud({ databaseUrl: a.databaseUrl });
    try {
      const station = await a.service.ctx.stations.provision('ward-x', 'Ward X');
      const credential = `${station.stationId}.${station.secret}`;
      const token = (await signIn(b.url, (await addUser(a.service, 'nurse')).username)).accessToken;
      await putBatch(a.url, credential, 'b1', { observations: [{ ...observations(1, 1)[0], vitals: { HR: 70 } }], alarmEvents: [] });
      const [{ id }] = await a.service.ctx.sql<[{ id: number }]>`SELECT id FROM patients WHERE mrn = ${PATIENT.mrn}`;
      expect((await api<{ vitals: { HR: { value: number } } }>(b.url, `/v1/patients/${id}/vitals/latest`, { token })).body.vitals.HR.value).toBe(70);
      // B has it cached now. A ingests a newer value; B must learn of it through NOTIFY.
      const invalidated = new Promise<void>((resolve) => void b.service.ctx.bus.subscribe('vitals_latest', () => resolve()));
      await putBatch(a.url, credential, 'b2', { observations: [{ ...observations(2, 1)[0], vitals: { HR: 140 } }], alarmEvents: [] });
      await invalidated;
      expect((await api<{ vitals: { HR: { value: number } } }>(b.url, `/v1/patients/${id}/vitals/latest`, { token })).body.vitals.HR.value).toBe(140);
    } finally {
      await b.service.close();
      await a.stop();
    }
  });
});
