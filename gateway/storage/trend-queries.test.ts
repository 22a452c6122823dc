import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { SELECT_TREND, TrendQueries } from './trend-queries.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function db() {
  const dir = mkdtempSync(join(tmpdir(), 'ward-trend-'));
  dirs.push(dir);
  return openDatabase(join(dir, 'station.db'));
}

describe('trend queries', () => {
  it('downsamples into min/max/mean buckets so a short dip survives', () => {
    const d = db();
    const insert = d.prepare('INSERT INTO observations (device_id, seq, ts, received_at, patient_id) VALUES (?, ?, ?, ?, ?)');
    const value = d.prepare('INSERT INTO observation_values (observation_id, vital, value) VALUES (?, 3, ?)');
    const t0 = Date.UTC(2026, 0, 1);
    d.transaction(() => {
      for (let i = 0; i < 3600; i++) value.run(insert.run('d', i, t0 + i * 1000, t0, 7).lastInsertRowid, i === 1800 ? 82 : 97);
    })();
    insert.run('d', 99999, t0 + 5000, t0, 8); // another patient: never mixed in
    const { bucketMs, points } = new TrendQueries(d).series(7, 'SPO2', t0, t0 + 3600_000, 60);
    expect(bucketMs).toBe(60_000);
    expect(points).toHaveLength(60);
    expect(points[30]).toEqual({ ts: t0 + 30 * 60_000, min: 82, max: 97, avg: 96.75 });
    expect(points[0]).toEqual({ ts: t0, min: 97, max: 97, avg: 97 });
    d.close();
  });

  it('reads through the patient/time index, not a scan', () => {
    const d = db();
    const plan = d.prepare(`EXPLAIN QUERY PLAN ${SELECT_TREND}`).all({ from: 0, to: 1, bucket: 1000, vital: 3, patient: 1 }) as Array<{ detail: string }>;
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(/SEARCH o USING (COVERING )?INDEX observations_patient_ts/);
    expect(details).toMatch(/SEARCH v USING PRIMARY KEY/);
    d.close();
  });
});
