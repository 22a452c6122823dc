import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from './database.js';
import { migrate, MigrationHistoryError } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { DeviceRegistry, RegistryError } from './device-registry.js';
import { WardRepository, WardError } from './ward-repository.js';
import { RetentionJob } from './retention.js';
import { silentLogger } from '../log.js';

const dirs: string[] = [];
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ward-storage-'));
  dirs.push(dir);
  return join(dir, 'station.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  it('applies once and uses WAL with STRICT tables', () => {
    const path = dbPath();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(migrate(db, MIGRATIONS)).toEqual([]);
    const ddl = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'observations'").get() as { sql: string }).sql;
    expect(ddl).toMatch(/STRICT/);
    db.close();
  });

  it('refuses a database whose applied migration was edited or is unknown', () => {
    const db = new BetterSqlite3(dbPath());
    migrate(db, MIGRATIONS);
    expect(() => migrate(db, [{ ...MIGRATIONS[0]!, sql: `${MIGRATIONS[0]!.sql}\n-- edited` }])).toThrow(MigrationHistoryError);
    expect(() => migrate(db, [])).toThrow(/newer version/);
    db.close();
  });
});

describe('device registry', () => {
  it('stores only a hash of the key and finds the device by its key', () => {
    const db = openDatabase(dbPath());
    const registry = new DeviceRegistry(db);
    new WardRepository(db).addBed('B1', 'Bed 1', 't');
    const { key } = registry.register({ id: 'mon-1', model: 'M', transport: 'websocket', bedId: 'B1' }, 't');
    expect(key).toMatch(/^wsk_[A-Za-z0-9_-]{43}$/);
    const row = db.prepare('SELECT key_hash FROM devices').get() as { key_hash: Buffer };
    expect(row.key_hash.toString('utf8')).not.toContain(key!);
    expect(registry.findByKey(key!)?.id).toBe('mon-1');
    expect(registry.findByKey(`${key}x`)).toBeUndefined();
    const rotated = registry.rotateKey('mon-1', 't');
    expect(registry.findByKey(key!)).toBeUndefined();
    expect(registry.findByKey(rotated)?.id).toBe('mon-1');
    registry.revoke('mon-1', 't');
    expect(registry.findByKey(rotated)).toBeUndefined();
    expect(registry.findById('mon-1')).toBeUndefined();
    expect(() => registry.register({ id: 'mon-1', model: 'M', transport: 'websocket' }, 't')).toThrow(RegistryError);
    expect(() => registry.register({ id: 'bad id!', model: 'M', transport: 'websocket' }, 't')).toThrow(/device id/);
    const audit = db.prepare('SELECT action FROM audit_log ORDER BY id').all().map((r) => (r as { action: string }).action);
    expect(audit).toEqual(['bed.add', 'device.register', 'device.rotate_key', 'device.revoke']);
    db.close();
  });

  it('sees changes made by another connection (the CLI) through data_version', () => {
    const path = dbPath();
    const db = openDatabase(path);
    const registry = new DeviceRegistry(db);
    expect(registry.refreshIfChanged()).toBe(false);
    const other = openDatabase(path);
    new DeviceRegistry(other).register({ id: 'hl7-1', model: 'Gateway', transport: 'hl7' }, 'cli');
    const { key } = new DeviceRegistry(other).register({ id: 'mon-1', model: 'Monitor', transport: 'websocket' }, 'cli');
    // A miss looks again at once: no waiting for the station's next poll.
    expect(registry.findById('hl7-1')?.transport).toBe('hl7');
    expect(registry.findByKey(key!)?.id).toBe('mon-1');
    expect(registry.refreshIfChanged()).toBe(false);
    expect(registry.findByKey('wsk_unknown')).toBeUndefined();
    other.close();
    db.close();
  });

  it('does not count vitals committed by another connection (the writer thread) as a registry change', () => {
    const path = dbPath();
    const db = openDatabase(path);
    const registry = new DeviceRegistry(db);
    registry.register({ id: 'mon-1', model: 'M', transport: 'websocket' }, 't');
    let changes = 0;
    registry.onChange(() => changes++);
    const writer = openDatabase(path);
    writer.prepare("INSERT INTO observations (device_id, seq, message_id, ts, received_at, bed_id, patient_id) VALUES ('mon-1', 1, NULL, 1, 1, NULL, NULL)").run();
    expect(registry.refreshIfChanged()).toBe(false);
    expect(changes).toBe(0);
    new DeviceRegistry(writer).revoke('mon-1', 'cli');
    expect(registry.refreshIfChanged()).toBe(true);
    expect(changes).toBe(1);
    expect(registry.findById('mon-1')).toBeUndefined();
    writer.close();
    db.close();
  });

  it("sees an admission or discharge made by another connection in its devices' beds", () => {
    const path = dbPath();
    const db = openDatabase(path);
    new WardRepository(db).addBed('B7', 'Bed 7', 't');
    const registry = new DeviceRegistry(db);
    registry.register({ id: 'mon-7', model: 'M', transport: 'websocket', bedId: 'B7' }, 't');
    expect(registry.record('mon-7')?.patientId).toBeNull();
    const other = openDatabase(path);
    const otherWard = new WardRepository(other);
    const patientId = otherWard.admit({ mrn: 'MRN-7', name: 'Test Patient', bedId: 'B7' }, 'cli');
    expect(registry.refreshIfChanged()).toBe(true);
    expect(registry.record('mon-7')?.patientId).toBe(patientId);
    otherWard.dischargeFromBed('B7', 'cli');
    expect(registry.refreshIfChanged()).toBe(true);
    expect(registry.record('mon-7')?.patientId).toBeNull();
    other.close();
    db.close();
  });
});

describe('ward', () => {
  it('admits one patient per bed, transfers and discharges', () => {
    const db = openDatabase(dbPath());
    const ward = new WardRepository(db);
    ward.addBed('B1', 'Bed 1', 'n');
    ward.addBed('B2', 'Bed 2', 'n');
    ward.admit({ bedId: 'B1', mrn: 'M1', name: 'A', birthDate: '1950-01-02' }, 'n');
    expect(() => ward.admit({ bedId: 'B1', mrn: 'M2', name: 'B' }, 'n')).toThrow(WardError);
    expect(() => ward.admit({ bedId: 'B2', mrn: 'M1', name: 'A' }, 'n')).toThrow(/already in bed B1/);
    expect(() => ward.admit({ bedId: 'B2', mrn: 'M3', name: 'C', birthDate: '02/01/1950' }, 'n')).toThrow(/YYYY-MM-DD/);
    ward.transfer('B1', 'B2', 'n');
    expect(ward.beds().map((b) => [b.id, b.patient?.mrn ?? null])).toEqual([
      ['B1', null],
      ['B2', 'M1'],
    ]);
    ward.dischargeFromBed('B2', 'n');
    expect(ward.beds().every((b) => b.patient === null)).toBe(true);
    db.close();
  });
});

describe('retention', () => {
  it('deletes only rows that are both older than the hot window and already synced', () => {
    const db = openDatabase(dbPath());
    const now = Date.UTC(2026, 10, 24);
    const old = now - 100 * 3600_000;
    const insert = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at) VALUES (?, ?, ?, ?)');
    const value = db.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 1, 70)');
    for (let i = 1; i <= 10; i++) value.run(insert.run('d', i, i <= 6 ? old : now, now).lastInsertRowid);
    db.prepare("INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES ('observations', 4, ?)").run(now);
    const job = new RetentionJob(db, { hotWindowHours: 72, diskBudgetMb: 1024 }, silentLogger(), () => now);
    expect(job.run()).toBe(4);
    const left = db.prepare('SELECT seq FROM observations ORDER BY seq').all().map((r) => (r as { seq: number }).seq);
    // 5 and 6 are old but not synced; 7-10 are recent: all kept.
    expect(left).toEqual([5, 6, 7, 8, 9, 10]);
    expect((db.prepare('SELECT COUNT(*) AS n FROM observation_values').get() as { n: number }).n).toBe(6);
    db.close();
  });

  it('deletes alarm events by the same rule: old and in the cloud', () => {
    const db = openDatabase(dbPath());
    const now = Date.UTC(2026, 10, 24);
    const old = now - 100 * 3600_000;
    const event = db.prepare(`INSERT INTO alarm_events (alarm_id, phase, at, condition, type, priority, state, inactivation)
      VALUES ('a', 'start', ?, 'HR_HIGH', 'physiological', 'PM', 'active', 'none')`);
    for (let i = 1; i <= 6; i++) event.run(i <= 4 ? old : now);
    db.prepare("INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES ('alarm_events', 3, ?)").run(now);
    new RetentionJob(db, { hotWindowHours: 72, diskBudgetMb: 1024 }, silentLogger(), () => now).run();
    // 1-3 old and synced: gone; 4 old but not synced, 5-6 recent: kept.
    expect(db.prepare('SELECT id FROM alarm_events ORDER BY id').all().map((r) => (r as { id: number }).id)).toEqual([4, 5, 6]);
    db.close();
  });

  it('over the disk budget gives up synced rows even inside the hot window, never unsynced ones', () => {
    const db = openDatabase(dbPath());
    const now = Date.now();
    const insert = db.prepare('INSERT INTO observations (device_id, seq, ts, received_at) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 40_000; i++) insert.run('d', i, now, now);
    })();
    db.prepare("INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES ('observations', 30000, ?)").run(now);
    const tiny = new RetentionJob(db, { hotWindowHours: 72, diskBudgetMb: 0.0001 }, silentLogger(), () => now);
    tiny.run();
    const remaining = db.prepare('SELECT MIN(seq) AS lo, COUNT(*) AS n FROM observations').get() as { lo: number; n: number };
    expect(remaining).toEqual({ lo: 30001, n: 10_000 });
    expect(tiny.lastUse?.nearBudget).toBe(true);
    db.close();
  });
});
