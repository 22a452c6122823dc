import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../gateway/config.js';
import { silentLogger } from '../gateway/log.js';
import { openDatabase } from '../gateway/storage/database.js';
import { WardRepository } from '../gateway/storage/ward-repository.js';
import { BatchReader } from '../gateway/storage/batch-reader.js';
import { cloudDispatcher } from '../gateway/sync/cloud-dispatcher.js';
import { SyncClient } from '../gateway/sync/sync-client.js';
import { createThrowawayPki, type ThrowawayPki } from './helpers/throwaway-pki.js';
import { tempDir } from './helpers/station-fixture.js';

describe('sync to the cloud over the network', () => {
  const dir = tempDir('ward-sync-tls-');
  let pki: ThrowawayPki;
  beforeAll(() => {
    pki = createThrowawayPki(join(dir.path, 'pki'));
  });
  afterAll(() => dir.remove());

  function configWith(cloud: Record<string, unknown>): () => ReturnType<typeof loadConfig> {
    const file = join(dir.path, `station-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ cloud: { stationId: 'ward-4b', secret: 'a-secret-of-16-chars', ...cloud } }));
    return () => loadConfig({ config: file, dataDir: dir.path }, {});
  }

  it('refuses http:// to another machine unless explicitly allowed; loopback and https are fine', () => {
    expect(configWith({ url: 'http://10.20.30.40:8080' })).toThrow(ConfigError);
    expect(configWith({ url: 'http://cloud.hospital.example' })).toThrow(/use https:\/\//);
    expect(configWith({ url: 'http://10.20.30.40:8080', allowInsecureHttp: true })().cloud?.url).toBe('http://10.20.30.40:8080');
    expect(configWith({ url: 'http://127.0.0.1:8080' })().cloud?.url).toBe('http://127.0.0.1:8080');
    expect(configWith({ url: 'http://localhost:8080' })().cloud?.url).toBe('http://localhost:8080');
    expect(configWith({ url: 'http://[::1]:8080' })().cloud?.url).toBe('http://[::1]:8080');
    expect(configWith({ url: 'https://cloud.hospital.example' })().cloud?.url).toBe('https://cloud.hospital.example');
  });

  it("trusts the hospital's private CA for the cloud's certificate when configured, and only then", async () => {
    const serverCert = pki.server('cloud');
    const received: string[] = [];
    const server: Server = createServer({ cert: serverCert.cert, key: serverCert.key }, (req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(`${req.method} ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    const db = openDatabase(join(dir.path, 'station.db'));
    const ward = new WardRepository(db);
    ward.addBed('B1', 'Bed 1', 't');
    const patientId = ward.admit({ bedId: 'B1', mrn: 'M1', name: 'Pat' }, 't');
    const id = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at, bed_id, patient_id) VALUES (?, ?, ?, ?, ?, ?)').run('mon-1', 1, 1000, 1000, 'B1', patientId).lastInsertRowid;
    db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, 70)').run(id);
    const reader = new BatchReader(db);
    const settings = { url, stationId: 'ward-4b', secret: 'a-secret-of-16-chars', idleMs: 60_000, backoffBaseMs: 60_000, backoffCapMs: 60_000 };

    // Node's own CA bundle does not know the hospital CA: the attempt fails and nothing is sent.
    const untrusting = new SyncClient(reader, settings, silentLogger());
    untrusting.start();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (untrusting.status().consecutiveFailures > 0) resolve(clearInterval(check));
      }, 20);
    });
    await untrusting.stop();
    expect(untrusting.status().lastError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(received).toEqual([]);

    const dispatcher = cloudDispatcher({ caFile: pki.caFile })!;
    const trusting = new SyncClient(reader, { ...settings, dispatcher }, silentLogger());
    trusting.start();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (reader.queued() === 0) resolve(clearInterval(check));
      }, 20);
    });
    await trusting.stop();
    await dispatcher.close();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/^PUT \/v1\/stations\/ward-4b\/batches\/obs-1-1-/);
    db.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
