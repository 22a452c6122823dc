import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BatchReader } from '../gateway/storage/batch-reader.js';
import { SyncClient } from '../gateway/sync/sync-client.js';
import { silentLogger } from '../gateway/log.js';
import { admitToBed, stationDatabase } from './helpers/station-database.js';

interface Request {
  batchId: string;
  raw: Buffer;
}

/** A region's cloud on loopback: `answer` decides each request's fate (a status, or 'die'). */
async function region(answer: (request: Request, index: number) => number | 'die' | { status: number; retryAfter: string }) {
  const received: Request[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { batchId: req.url!.split('/').pop()!, raw: Buffer.concat(chunks) };
      received.push(request);
      const fate = answer(request, received.length - 1);
      for (const w of waiters.splice(0)) w();
      // 'die': the region stored the batch and went down before answering (the socket just drops).
      if (fate === 'die') return void req.socket.destroy();
      const status = typeof fate === 'number' ? fate : fate.status;
      res.writeHead(status, { 'content-type': 'application/json', ...(typeof fate === 'object' ? { 'retry-after': fate.retryAfter } : {}) });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    changed: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('sync client with several regions', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function wardWithRows(count: number) {
    const db = stationDatabase(cleanups);
    const patientId = admitToBed(db, { mrn: 'M1', name: 'Pat', birthDate: null });
    const insert = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at, bed_id, patient_id) VALUES (?, ?, ?, ?, ?, ?)');
    const value = db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, ?)');
    for (let i = 1; i <= count; i++) value.run(insert.run('mon-1', i, 1000 * i, 1000 * i, 'B1', patientId).lastInsertRowid, 60 + i);
    return new BatchReader(db);
  }

  it('sends the batch a region took just before it died to the next region, the same id and bytes, and stays there', async () => {
    const reader = wardWithRows(12);
    const east = await region((_r, index) => (index === 0 ? 200 : 'die'));
    const west = await region(() => 200);
    cleanups.push(east.close, west.close);
    const client = new SyncClient(reader, { url: east.url, failoverUrls: [west.url], stationId: 'ward-4b', secret: 's', batchSize: 5, idleMs: 60_000, backoffBaseMs: 60_000 }, silentLogger());
    client.start();
    cleanups.push(() => client.stop());
    while (west.received.length < 2) await west.changed();
    await client.stop();

    expect(east.received.map((r) => r.batchId.replace(/-[0-9a-f]{12}$/, ''))).toEqual(['obs-1-5', 'obs-6-10']);
    expect(west.received.map((r) => r.batchId.replace(/-[0-9a-f]{12}$/, ''))).toEqual(['obs-6-10', 'obs-11-12']);
    // The very batch east took before dying, byte for byte: the cloud recognises it (no duplicate).
    expect(west.received[0]!.batchId).toBe(east.received[1]!.batchId);
    expect(west.received[0]!.raw.equals(east.received[1]!.raw)).toBe(true);
    expect(reader.cursor()).toBe(12);
    expect(client.status()).toMatchObject({ cloudUrl: west.url, consecutiveFailures: 0, queuedRows: 0 });
  });

  it('goes round the regions and backs off only when all of them fail', async () => {
    const reader = wardWithRows(3);
    const east = await region(() => 502);
    const west = await region(() => 'die');
    cleanups.push(east.close, west.close);
    const client = new SyncClient(reader, { url: east.url, failoverUrls: [west.url], stationId: 'ward-4b', secret: 's', idleMs: 60_000, backoffBaseMs: 60_000, backoffCapMs: 60_000 }, silentLogger(), Date.now, () => 0.999);
    client.start();
    cleanups.push(() => client.stop());
    while (west.received.length < 1) await west.changed();
    // Both refused in turn: the next attempt waits for the backoff, and nothing moved.
    while (client.status().nextAttemptAt === null) await new Promise((resolve) => setImmediate(resolve));
    expect(client.status().nextAttemptAt! - Date.now()).toBeGreaterThan(10_000);
    expect(east.received).toHaveLength(1);
    expect(reader.cursor()).toBe(0);
  });

  it('keeps the batch with a region that answers 503 with Retry-After (overload is not an outage)', async () => {
    const reader = wardWithRows(3);
    const east = await region((_r, index) => (index === 0 ? { status: 503, retryAfter: '0' } : 200));
    const west = await region(() => 200);
    cleanups.push(east.close, west.close);
    const client = new SyncClient(reader, { url: east.url, failoverUrls: [west.url], stationId: 'ward-4b', secret: 's', idleMs: 60_000 }, silentLogger());
    client.start();
    cleanups.push(() => client.stop());
    while (east.received.length < 2) await east.changed();
    await client.stop();
    expect(west.received).toHaveLength(0);
    expect(reader.cursor()).toBe(3);
  });
});
