import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { databasePath } from '../gateway/station.js';
import { checkBackup } from '../gateway/storage/backup.js';
import { cli, cliFailure, freePort, startGatewayProcess } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

const TABLES = ['beds', 'patients', 'admissions', 'devices', 'observations', 'observation_values', 'audit_log', 'nurses', 'alarm_events', 'schema_migrations'];
/** The newest rows of the tables that grow, compared whole. */
const LAST_ROWS = {
  observations: 'SELECT * FROM observations ORDER BY id DESC LIMIT 5',
  observation_values: 'SELECT * FROM observation_values ORDER BY observation_id DESC, vital DESC LIMIT 10',
  audit_log: 'SELECT * FROM audit_log ORDER BY id DESC LIMIT 5',
  admissions: 'SELECT * FROM admissions ORDER BY id DESC LIMIT 5',
};

function snapshot(file: string): { counts: Record<string, number>; last: Record<string, unknown[]> } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const counts = Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
    const last = Object.fromEntries(Object.entries(LAST_ROWS).map(([name, sql]) => [name, db.prepare(sql).all()]));
    return { counts, last };
  } finally {
    db.close();
  }
}

describe('backup and restore (ward-station backup / restore)', () => {
  const dir = tempDir();
  const restoredDir = tempDir();
  afterAll(() => {
    dir.remove();
    restoredDir.remove();
  });

  it('backs up online while devices write, refuses to restore under a running station, and restores the same rows', { timeout: 300_000 }, async () => {
    cli(dir.path, 'beds', 'add', '--id', 'B1');
    cli(dir.path, 'patients', 'admit', '--bed', 'B1', '--mrn', 'M1', '--name', 'Test Patient');
    const keys = ['mon-1', 'mon-2'].map((id) => cli<{ key: string }>(dir.path, 'devices', 'add', '--id', id, '--model', 'Monitor', '--bed', 'B1').key);
    const port = await freePort();
    const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(port), '--ui-port', '0', '--no-mllp', '--no-demo']);
    const clients = keys.map((key) => new DeviceClient({ url: `ws://127.0.0.1:${port}/devices`, key }));
    await Promise.all(clients.map((c) => c.connect()));
    const pump = setInterval(() => clients.forEach((c) => c.send({ HR: 60 + Math.round(Math.random() * 40), SPO2: 97 })), 5);
    await clients[0]!.acked(100);

    // Online: taken while frames are being committed.
    const online = cli<{ file: string; observations: number }>(dir.path, 'backup', '--to', join(dir.path, 'online.db'));
    expect(online.observations).toBeGreaterThan(0);
    expect(checkBackup(online.file).observations).toBe(online.observations);

    clearInterval(pump);
    const lastSent = clients.map((c) => c.send({ HR: 75 }));
    await Promise.all(clients.map((c, i) => c.acked(lastSent[i]!)));
    await Promise.all(clients.map((c) => c.close()));
    const quiet = cli<{ file: string }>(dir.path, 'backup', '--to', join(dir.path, 'quiet.db'));
    const original = snapshot(databasePath(dir.path));

    const refused = cliFailure(dir.path, 'restore', '--from', quiet.file);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/STATION_RUNNING: the station \(pid \d+\) is running/);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    // Checked before anything is replaced.
    writeFileSync(join(dir.path, 'garbage.db'), 'this is not a database '.repeat(200));
    expect(cliFailure(dir.path, 'restore', '--from', join(dir.path, 'garbage.db')).stderr).toMatch(/BACKUP_INVALID/);
    new BetterSqlite3(join(dir.path, 'other.db')).exec('CREATE TABLE t (x)').close();
    expect(cliFailure(dir.path, 'restore', '--from', join(dir.path, 'other.db')).stderr).toMatch(/BACKUP_INVALID: .* is not a station database \(missing schema_migrations/);
    expect(cliFailure(dir.path, 'restore', '--from', join(dir.path, 'missing.db')).stderr).toMatch(/BACKUP_INVALID: .* does not exist/);
    expect(snapshot(databasePath(dir.path))).toEqual(original);

    // Into a new machine's empty folder, and over the existing database (kept beside it).
    const fresh = cli<{ restored: string; previous: string | null }>(restoredDir.path, 'restore', '--from', quiet.file);
    expect(fresh.previous).toBeNull();
    expect(snapshot(databasePath(restoredDir.path))).toEqual(original);
    const over = cli<{ previous: string }>(dir.path, 'restore', '--from', quiet.file);
    expect(existsSync(over.previous)).toBe(true);
    expect(snapshot(databasePath(dir.path))).toEqual(original);

    // The online copy is the database of one instant: every row it has is in the original as is.
    const db = new BetterSqlite3(databasePath(dir.path), { readonly: true });
    db.prepare('ATTACH ? AS online').run(online.file);
    const differing = db.prepare('SELECT count(*) AS n FROM online.observations o LEFT JOIN main.observations m USING (id, device_id, seq, ts) WHERE m.id IS NULL').get() as { n: number };
    expect(differing.n).toBe(0);
    db.close();

    // The restored station starts and knows its devices.
    expect(cli<Array<{ id: string }>>(restoredDir.path, 'devices', 'list').map((d) => d.id)).toEqual(['mon-1', 'mon-2']);
  });
});
