import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { LatestVitalsCache } from '../../cloud/vitals/latest-vitals-cache.js';
import { createTestDatabase } from '../helpers/cloud-database.js';

const HR = 1;

describe('"latest vitals" never comes from the future', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Sql;
  let patientId: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = connect(db.url, { max: 3 });
    // A database of the version before: a 2099 HR of 222 pinned the latest value.
    await migrate(sql, MIGRATIONS.filter((m) => m.id < 6), 'native');
    [{ id: patientId }] = await sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('F-1', 'Pinned') RETURNING id`;
    await sql`CREATE TABLE vitals_ptest PARTITION OF vitals FOR VALUES FROM ('2000-01-01') TO ('2100-01-01')`;
    await sql`INSERT INTO vitals (ts, patient_id, vital, value, device_ref) VALUES (now() - interval '1 minute', ${patientId}, ${HR}, 80, 0), ('2099-01-01', ${patientId}, ${HR}, 222, 0)`;
    await sql`INSERT INTO latest_vitals (patient_id, vital, ts, value) VALUES (${patientId}, ${HR}, '2099-01-01', 222)`;
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  it('the cache serves no value from the future, even one already stored', async () => {
    const cache = new LatestVitalsCache(sql);
    expect((await cache.get(patientId)).vitals.HR).toBeUndefined();
    cache.merge(patientId, new Map([[HR, { ts: Date.UTC(2099, 0, 2), value: 230 }]]));
    expect((await cache.get(patientId)).vitals.HR).toBeUndefined();
  });

  it('the upgrade puts the newest present value back in place of a pinned future one', async () => {
    await migrate(sql, MIGRATIONS, 'native');
    const cache = new LatestVitalsCache(sql);
    expect((await cache.get(patientId)).vitals.HR).toMatchObject({ value: 80 });
  });
});
