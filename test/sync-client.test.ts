import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { BatchReader, type ReadAfter, type SyncSource } from '../gateway/storage/batch-reader.js';
import { Value } from '@sinclair/typebox/value';
import { StationBatch } from '../gateway/protocol/sync-batch.js';
import { SyncClient } from '../gateway/sync/sync-client.js';
import { silentLogger } from '../gateway/log.js';
import { admitToBed, stationDatabase } from './helpers/station-database.js';

interface Received {
  url: string;
  method: string;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  body: StationBatch;
}

/** Sample times the cloud accepts (it refuses anything before 2000 as a clock fault). */
const T0 = Date.UTC(2026, 0, 1);

/** What the station sent that the cloud's schema refuses; each test ends with none. */
const schemaViolations: string[] = [];

/** A local HTTP server standing in for the cloud: answers from a script, records every request. */
async function fakeCloud(answers: Array<{ status: number; headers?: Record<string, string> }>): Promise<{ server: Server; url: string; received: Received[]; next(count: number): Promise<void> }> {
  const received: Received[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body: unknown = JSON.parse(gunzipSync(raw).toString());
      // The cloud validates every body against the shared contract; so does its stand-in.
      for (const error of Value.Errors(StationBatch, body)) schemaViolations.push(`${req.url} ${error.path}: ${error.message}`);
      received.push({ url: req.url!, method: req.method!, headers: req.headers, raw, body: body as StationBatch });
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify({ ok: answer.status < 300 }));
      for (const w of waiters.filter((x) => received.length >= x.count)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    received,
    next: (count) => (received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}

describe('sync client', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    expect(schemaViolations.splice(0)).toEqual([]);
  });

  it('sends ordered gzip batches, retries the same batch after 503, moves the cursor only on success', async () => {
    const db = stationDatabase(cleanups);
    const patientId = admitToBed(db, { mrn: 'M1', name: 'Pat', birthDate: '1950-01-01' });
    const insert = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at, bed_id, patient_id) VALUES (?, ?, ?, ?, ?, ?)');
    const value = db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, ?, ?)');
    for (let i = 1; i <= 12; i++) {
      const id = insert.run('mon-1', i, T0 + 1000 * i, T0 + 1000 * i, 'B1', patientId).lastInsertRowid;
      value.run(id, 1, 60 + i);
      value.run(id, 3, 95);
    }
    const cloud = await fakeCloud([{ status: 503, headers: { 'retry-after': '0' } }]);
    cleanups.push(() => new Promise<void>((r) => cloud.server.close(() => r())));
    const reader = new BatchReader(db);
    const client = new SyncClient(reader, { url: cloud.url, stationId: 'ward-4b', secret: 's3cret', batchSize: 5, idleMs: 60_000 }, silentLogger());
    client.start();
    cleanups.push(() => client.stop());
    await cloud.next(4);

    // Batch ids name the stream, the row range and a hash of the body.
    expect(cloud.received.map((r) => `${r.method} ${r.url.replace(/-[0-9a-f]{12}$/, '-HASH')}`)).toEqual([
      'PUT /v1/stations/ward-4b/batches/obs-1-5-HASH',
      'PUT /v1/stations/ward-4b/batches/obs-1-5-HASH',
      'PUT /v1/stations/ward-4b/batches/obs-6-10-HASH',
      'PUT /v1/stations/ward-4b/batches/obs-11-12-HASH',
    ]);
    expect(cloud.received[1]!.url).toBe(cloud.received[0]!.url);
    // The retry is the very same bytes under the same id: the cloud can recognise a replay.
    expect(cloud.received[1]!.raw.equals(cloud.received[0]!.raw)).toBe(true);
    expect(cloud.received[0]!.headers['content-encoding']).toBe('gzip');
    expect(cloud.received[0]!.headers.authorization).toBe('Bearer ward-4b.s3cret');
    expect(cloud.received[0]!.body.observations[0]).toEqual({ id: 1, deviceId: 'mon-1', bedId: 'B1', ts: T0 + 1000, patient: { mrn: 'M1', name: 'Pat', birthDate: '1950-01-01' }, vitals: { HR: 61, SPO2: 95 } });
    await client.stop();
    expect(reader.cursor()).toBe(12);
    expect(client.status()).toMatchObject({ queuedRows: 0, consecutiveFailures: 0, lastError: null });
  });

  it('sends alarm events as their own stream, first, with the patient identity', async () => {
    const db = stationDatabase(cleanups);
    const patientId = admitToBed(db, { mrn: 'M7', name: 'Pat Seven', birthDate: null });
    db.prepare('INSERT INTO observations (device_id, seq, ts, received_at, bed_id, patient_id) VALUES (?, ?, ?, ?, ?, ?)').run('mon-1', 1, T0 + 5000, T0 + 5000, 'B1', patientId);
    db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (1, 1, 130)').run();
    const event = db.prepare(`INSERT INTO alarm_events (alarm_id, phase, at, condition, type, priority, state, inactivation, bed_id, patient_id, device_id, value, limit_value, actor, reason)
      VALUES (?, ?, ?, 'HR_HIGH', 'physiological', 'PM', ?, 'none', 'B1', ?, 'mon-1', 130, 120, ?, NULL)`);
    event.run('al-1', 'start', T0 + 6000, 'active', patientId, null);
    event.run('al-1', 'end', T0 + 9000, 'inactive', patientId, 'nurse:ann');
    const cloud = await fakeCloud([]);
    cleanups.push(() => new Promise<void>((r) => cloud.server.close(() => r())));
    const reader = new BatchReader(db);
    expect(reader.queued()).toBe(3);
    const client = new SyncClient(reader, { url: cloud.url, stationId: 'ward-4b', secret: 's', idleMs: 60_000 }, silentLogger());
    client.start();
    cleanups.push(() => client.stop());
    await cloud.next(2);
    await client.stop();
    expect(cloud.received[0]!.url).toMatch(/\/batches\/alarms-1-2-[0-9a-f]{12}$/);
    expect(cloud.received[0]!.body.alarmEvents).toEqual([
      { id: 1, alarmId: 'al-1', phase: 'start', at: T0 + 6000, condition: 'HR_HIGH', type: 'physiological', priority: 'PM', state: 'active', inactivation: 'none', bedId: 'B1', deviceId: 'mon-1', patient: { mrn: 'M7', name: 'Pat Seven', birthDate: null }, value: 130, limit: 120, actor: null, reason: null },
      expect.objectContaining({ id: 2, phase: 'end', actor: 'nurse:ann' }),
    ]);
    expect(cloud.received[1]!.url).toMatch(/\/batches\/obs-1-1-[0-9a-f]{12}$/);
    expect(reader.cursor('alarm_events')).toBe(2);
    expect(reader.cursor('observations')).toBe(1);
    expect(reader.queued()).toBe(0);
  });

  it('keeps the cursor where it was while the cloud refuses, and says why', async () => {
    const db = stationDatabase(cleanups);
    db.prepare('INSERT INTO observations (device_id, seq, ts, received_at) VALUES (?, ?, ?, ?)').run('d', 1, T0, T0);
    db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (1, 1, 70)').run();
    const cloud = await fakeCloud(Array.from({ length: 10_000 }, () => ({ status: 401 })));
    cleanups.push(() => new Promise<void>((r) => cloud.server.close(() => r())));
    const reader = new BatchReader(db);
    const client = new SyncClient(reader, { url: cloud.url, stationId: 's', secret: 'wrong', backoffBaseMs: 1, backoffCapMs: 5 }, silentLogger());
    client.start();
    await cloud.next(2);
    await client.stop();
    expect(reader.cursor()).toBe(0);
    expect(client.status()).toMatchObject({ queuedRows: 1, lastError: 'HTTP 401' });
    expect(client.status().consecutiveFailures).toBeGreaterThanOrEqual(2);
  });

  it('reads the next batch while one is on its way, and still sends each in order once the one before is confirmed', async () => {
    const db = stationDatabase(cleanups);
    const insert = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at) VALUES (?, ?, ?, ?)');
    const value = db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, ?)');
    for (let i = 1; i <= 12; i++) value.run(insert.run('d', i, T0 + 1000 * i, T0 + 1000 * i).lastInsertRowid, 60 + i);
    const reader = new BatchReader(db);
    // The reader as the client sees it, telling which rows it was asked to read past.
    const reads: Array<ReadAfter | undefined> = [];
    let readPastFirst: () => void = () => {};
    const askedPastFirst = new Promise<void>((resolve) => (readPastFirst = resolve));
    const source: SyncSource = {
      next: (limit, after) => {
        reads.push(after);
        if (after?.observations === 5) readPastFirst();
        return reader.next(limit, after);
      },
      confirm: (lastId, now, stream) => reader.confirm(lastId, now, stream),
      queued: () => reader.queued(),
    };
    // A cloud that answers the first batch only once the client has asked for the rows after it,
    // and records, for every batch, the cursor the station had when the batch arrived.
    const arrivals: Array<{ url: string; cursor: number }> = [];
    const server = createServer((req, res) => {
      arrivals.push({ url: req.url!, cursor: reader.cursor() });
      req.resume().on('end', () => {
        const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        if (arrivals.length === 1) void askedPastFirst.then(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const client = new SyncClient(source, { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, stationId: 's', secret: 'x', batchSize: 5, idleMs: 60_000 }, silentLogger());
    client.start();
    cleanups.push(() => client.stop());
    await askedPastFirst;
    await new Promise<void>((resolve) => {
      const check = () => (reader.cursor() === 12 ? resolve() : setImmediate(check));
      check();
    });
    await client.stop();
    expect(arrivals.map((a) => a.url.replace(/-[0-9a-f]{12}$/, ''))).toEqual(['/v1/stations/s/batches/obs-1-5', '/v1/stations/s/batches/obs-6-10', '/v1/stations/s/batches/obs-11-12']);
    // Each batch left only after the one before it was confirmed.
    expect(arrivals.map((a) => a.cursor)).toEqual([0, 5, 10]);
    expect(reads).toContainEqual({ observations: 5 });
    expect(reads).toContainEqual({ observations: 10 });
  });

  it('commits flowing during Retry-After or backoff do not wake the client; they wake an idle one', async () => {
    const db = stationDatabase(cleanups);
    let seq = 0;
    const commit = () => {
      const id = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at) VALUES (?, ?, ?, ?)').run('d', ++seq, T0 + seq, T0 + seq).lastInsertRowid;
      db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, 70)').run(id);
    };
    commit();
    // 1: the cloud says come back in 120 s; 2: no Retry-After, so the client backs off (>= 60 s here).
    for (const answer of [{ status: 503, headers: { 'retry-after': '120' } }, { status: 503 }]) {
      const cloud = await fakeCloud([answer]);
      cleanups.push(() => new Promise<void>((r) => cloud.server.close(() => r())));
      const client = new SyncClient(new BatchReader(db), { url: cloud.url, stationId: 's', secret: 'x', idleMs: 600_000, backoffBaseMs: 60_000, backoffCapMs: 600_000 }, silentLogger(), Date.now, () => 1);
      client.start();
      await cloud.next(1);
      while (client.status().nextAttemptAt === null) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 30; i++) {
        commit();
        client.nudge(); // what every commit does
        await new Promise((r) => setImmediate(r));
      }
      await client.stop();
      expect(cloud.received).toHaveLength(1);
      expect(client.status().nextAttemptAt! - client.status().lastAttemptAt!).toBeGreaterThanOrEqual(60_000);
    }
    // Idle (nothing to send, waiting for the next poll): a commit's nudge sends at once.
    const cloud = await fakeCloud([]);
    cleanups.push(() => new Promise<void>((r) => cloud.server.close(() => r())));
    const reader = new BatchReader(db);
    const client = new SyncClient(reader, { url: cloud.url, stationId: 's', secret: 'x', idleMs: 600_000 }, silentLogger());
    client.start();
    await cloud.next(1);
    while (reader.queued() > 0) await new Promise((r) => setImmediate(r));
    commit();
    client.nudge();
    await cloud.next(2);
    await client.stop();
    expect(reader.cursor()).toBe(seq);
  });
});
