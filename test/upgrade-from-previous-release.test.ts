import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../gateway/storage/database.js';
import { DeviceRegistry } from '../gateway/storage/device-registry.js';
import { WardRepository } from '../gateway/storage/ward-repository.js';
import { NurseDirectory } from '../gateway/storage/nurse-directory.js';
import { MIGRATIONS as STATION_MIGRATIONS } from '../gateway/storage/migrations/index.js';
import { migrate } from '../cloud/db/migrate.js';
import { MIGRATIONS as CLOUD_MIGRATIONS } from '../cloud/db/migrations/index.js';
import { connect } from '../cloud/db/sql.js';
import { createTestDatabase } from './helpers/cloud-database.js';
import { api, startTestCloud } from './helpers/cloud-fixture.js';
import { tempDir } from './helpers/station-fixture.js';

/** Made by test/fixtures/upgrade/make-fixtures.ts with the previous release's code (54f98e9). */
const FIXTURES = join(import.meta.dirname, 'fixtures', 'upgrade');
const FIXTURE_START = Date.parse('2026-11-30T08:00:00Z');
const FRAMES = 120;

describe('upgrading from the previous release', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('migrates a station database written by the previous release, and its data reads back', () => {
    const file = join(dir.path, 'station.db');
    copyFileSync(join(FIXTURES, 'station-previous.db'), file);
    const db = openDatabase(file);
    try {
      const applied = (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
      expect(applied).toEqual(STATION_MIGRATIONS.map((m) => m.id).sort((a, b) => a - b));
      expect(new DeviceRegistry(db).list().map((d) => [d.id, d.transport, d.bedId, d.revoked])).toEqual([
        ['gw-1', 'hl7', 'B2', false],
        ['mon-1', 'websocket', 'B1', false],
      ]);
      const beds = new WardRepository(db).beds();
      expect(beds.map((b) => [b.id, b.label, b.patient?.mrn ?? null])).toEqual([
        ['B1', 'Bed 1', 'FIX-0001'],
        ['B2', 'Bed 2', null],
      ]);
      // The PIN hash written then still verifies now.
      expect(new NurseDirectory(db).signIn('ann', '4711')).toMatchObject({ id: 'ann', name: 'Ann Fixture' });
      const vitals = db.prepare('SELECT count(DISTINCT o.id) AS frames, count(*) AS vals, min(o.ts) AS first, max(o.ts) AS last FROM observations o JOIN observation_values v ON v.observation_id = o.id').get();
      expect(vitals).toEqual({ frames: FRAMES, vals: FRAMES * 3, first: FIXTURE_START, last: FIXTURE_START + (FRAMES - 1) * 1000 });
      const alarms = db.prepare("SELECT condition, priority FROM alarm_events WHERE phase = 'start'").all();
      expect(alarms).toEqual([expect.objectContaining({ priority: 'PH' })]);
    } finally {
      db.close();
    }
  });

  it('migrates a cloud database dumped from the previous release, and its data reads back', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    const sql = connect(database.url, { max: 2 });
    try {
      await sql.unsafe(readFileSync(join(FIXTURES, 'cloud-previous.sql'), 'utf8'));
      const before = await sql`SELECT (SELECT count(*) FROM vitals)::int AS vitals, (SELECT count(*) FROM patients)::int AS patients, (SELECT count(*) FROM appointments)::int AS appointments`;
      const outcome = await migrate(sql, CLOUD_MIGRATIONS);
      expect(outcome.mode).toBe('native');
      // Only what this release added is applied; the shipped migrations are recognised unchanged.
      expect(outcome.applied).toEqual(CLOUD_MIGRATIONS.map((m) => m.id).filter((id) => id > 5));
      const after = await sql`SELECT (SELECT count(*) FROM vitals)::int AS vitals, (SELECT count(*) FROM patients)::int AS patients, (SELECT count(*) FROM appointments)::int AS appointments`;
      expect(after).toEqual(before);
      expect(before[0]!.vitals).toBe(FRAMES * 3);
    } finally {
      await sql.end();
    }

    const cloud = await startTestCloud({ databaseUrl: database.url });
    try {
      const [patient] = await cloud.service.ctx.sql<Array<{ id: number }>>`SELECT id FROM patients WHERE mrn = 'FIX-0001'`;
      const history = JSON.parse(await cloud.service.ctx.history.historyJson(patient!.id, FIXTURE_START, FIXTURE_START + FRAMES * 1000, { resolution: 'raw' })) as {
        series: Record<string, { points: number[][] }>;
      };
      expect(history.series.HR!.points).toHaveLength(FRAMES);
      expect(history.series.HR!.points[60]).toEqual([FIXTURE_START + 60_000, 165]);
      // Accounts made then still sign in (password hashes read back).
      const login = await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: 'dr-fixture', password: 'fixture password 0001' } });
      expect(login.status).toBe(200);
    } finally {
      await cloud.stop();
      await database.drop();
    }
  });

  it('`npm run cloud -- migrate` upgrades the previous release\'s database and exits without serving', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    try {
      const sql = connect(database.url, { max: 1 });
      await sql.unsafe(readFileSync(join(FIXTURES, 'cloud-previous.sql'), 'utf8'));
      await sql.end();
      const run = () => spawnSync('npm', ['run', '--silent', 'cloud', '--', 'migrate'], { cwd: join(import.meta.dirname, '..'), env: { ...process.env, DATABASE_URL: database.url, CLOUD_LOG_LEVEL: 'warn' }, encoding: 'utf8' });
      const first = run();
      expect(first.status, first.stderr).toBe(0);
      const newer = CLOUD_MIGRATIONS.map((m) => m.id).filter((id) => id > 5);
      expect(JSON.parse(first.stdout)).toEqual({ migrated: true, storageMode: 'native', applied: newer, known: CLOUD_MIGRATIONS.map((m) => m.id) });
      // Run again (a second replica's turn, or a retry): nothing left to do.
      expect(JSON.parse(run().stdout)).toMatchObject({ migrated: true, applied: [] });
    } finally {
      await database.drop();
    }
  });
});
