import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { seedCloud } from '../../cloud/seed/seed-load.js';
import { createTestDatabase } from '../helpers/cloud-database.js';

describe('seed generator (COPY into a real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Sql;
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = connect(db.url, { max: 2 });
    await migrate(sql, MIGRATIONS);
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  it('loads the asked sizes, rebuilds every index and constraint it dropped, and makes the first administrator', async () => {
    const indexesBefore = await sql<Array<{ name: string }>>`SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('appointments', 'medical_records') ORDER BY 1`;
    const constraintsBefore = await sql<Array<{ name: string }>>`SELECT conname AS name FROM pg_constraint WHERE conrelid IN ('appointments'::regclass, 'medical_records'::regclass) ORDER BY 1`;
    const lines: string[] = [];
    const result = await seedCloud(sql, { patients: 2000, doctors: 40, appointments: 30_000, records: 3000, clinics: 4 }, (line) => lines.push(line));
    expect(result.admin?.username).toBe('admin');
    expect(lines.some((l) => l.startsWith('appointments:'))).toBe(true);
    const [counts] = await sql<[{ patients: number; doctors: number; appointments: number; records: number; schedules: number }]>`
      SELECT (SELECT count(*)::int FROM patients) AS patients, (SELECT count(*)::int FROM doctors) AS doctors, (SELECT count(*)::int FROM appointments) AS appointments,
             (SELECT count(*)::int FROM medical_records) AS records, (SELECT count(DISTINCT doctor_id)::int FROM doctor_schedules) AS schedules`;
    expect(counts).toEqual({ patients: 2000, doctors: 40, appointments: 30_000, records: 3000, schedules: 40 });
    // The exclusion constraints were rebuilt over the loaded rows: no double booking got in.
    expect(await sql`SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('appointments', 'medical_records') ORDER BY 1`).toEqual(indexesBefore);
    expect(await sql`SELECT conname AS name FROM pg_constraint WHERE conrelid IN ('appointments'::regclass, 'medical_records'::regclass) ORDER BY 1`).toEqual(constraintsBefore);
    const statuses = await sql<Array<{ status: string; future: boolean }>>`SELECT DISTINCT status, lower(during) > now() AS future FROM appointments ORDER BY 1, 2`;
    expect(statuses.filter((s) => s.future).map((s) => s.status).sort()).toEqual(['cancelled', 'scheduled']);
    expect(statuses.filter((s) => !s.future).map((s) => s.status).sort()).toEqual(['cancelled', 'completed', 'no_show']);
    await expect(seedCloud(sql, { patients: 10, doctors: 1, appointments: 1, records: 1, clinics: 1 }, () => {})).rejects.toThrow(/empty/);
  });
});
