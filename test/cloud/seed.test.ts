import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_OPEN_SLOTS } from '../../cloud/booking/availability-search.js';
import { migrate } from '../../cloud/db/migrate.js';
import { FREE_SLOTS_OF_DOCTORS } from '../../cloud/db/migrations/0005-open-slots.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { seedCloud } from '../../cloud/seed/seed-load.js';
import { firstNode, indexesIn, nodeTypesIn, seqScansIn } from '../helpers/query-plan.js';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { openSlotsDivergence } from '../helpers/open-slots.js';

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
    const now = Date.now();
    const result = await seedCloud(sql, { patients: 2000, doctors: 40, appointments: 30_000, records: 3000, clinics: 4 }, (line) => lines.push(line), now);
    expect(result.admin?.username).toBe('admin');
    expect(lines.some((l) => l.startsWith('appointments:'))).toBe(true);
    const [counts] = await sql<[{ patients: number; doctors: number; appointments: number; records: number; schedules: number }]>`
      SELECT (SELECT count(*)::int FROM patients) AS patients, (SELECT count(*)::int FROM doctors) AS doctors, (SELECT count(*)::int FROM appointments) AS appointments,
             (SELECT count(*)::int FROM medical_records) AS records, (SELECT count(DISTINCT doctor_id)::int FROM doctor_schedules) AS schedules`;
    expect(counts).toEqual({ patients: 2000, doctors: 40, appointments: 30_000, records: 3000, schedules: 40 });
    // The exclusion constraints were rebuilt over the loaded rows: no double booking got in.
    expect(await sql`SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('appointments', 'medical_records') ORDER BY 1`).toEqual(indexesBefore);
    expect(await sql`SELECT conname AS name FROM pg_constraint WHERE conrelid IN ('appointments'::regclass, 'medical_records'::regclass) ORDER BY 1`).toEqual(constraintsBefore);
    const statuses = await sql<Array<{ status: string; future: boolean }>>`SELECT DISTINCT status, lower(during) >= ${new Date(now)} AS future FROM appointments ORDER BY 1, 2`;
    expect(statuses.filter((s) => s.future).map((s) => s.status).sort()).toEqual(['cancelled', 'scheduled']);
    expect(statuses.filter((s) => !s.future).map((s) => s.status).sort()).toEqual(['cancelled', 'completed', 'no_show']);
    // Vacuumed, not only analysed: the loaded rows get their hint bits and visibility map now, not
    // from the first reads or from an autovacuum while the service is in use.
    const vacuumed = await sql<Array<{ table: string; vacuumed: boolean }>>`
      SELECT relname AS table, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables
      WHERE relname IN ('appointments', 'medical_records', 'patients', 'open_slots') ORDER BY 1`;
    expect(vacuumed).toEqual(['appointments', 'medical_records', 'open_slots', 'patients'].map((table) => ({ table, vacuumed: true })));
    await expect(seedCloud(sql, { patients: 10, doctors: 1, appointments: 1, records: 1, clinics: 1 }, () => {})).rejects.toThrow(/empty/);
  });

  it('fills the table of open slots once at the end, exactly as computed, and turns its triggers back on', async () => {
    const triggers = await sql<Array<{ name: string; enabled: string }>>`
      SELECT tgname AS name, tgenabled AS enabled FROM pg_trigger WHERE tgname LIKE '%open_slots%' AND NOT tgisinternal ORDER BY 1`;
    expect(triggers.length).toBeGreaterThanOrEqual(7);
    expect(triggers.filter((t) => t.enabled !== 'O')).toEqual([]);
    const { kept, computed, missing, extra } = await openSlotsDivergence(sql);
    expect(kept).toBeGreaterThan(10_000);
    expect({ kept, missing, extra }).toEqual({ kept: computed, missing: [], extra: [] });
    const [{ doctors }] = await sql<[{ doctors: number }]>`SELECT count(*)::int AS doctors FROM open_slots_doctors`;
    expect(doctors).toBe(40);
  });

  it('on seed-like data, searches read an index range of the dates asked, never the whole table (EXPLAIN)', async () => {
    const planOf = async (text: string, params: unknown[]) => {
      const [row] = await sql.unsafe<[{ 'QUERY PLAN': [{ Plan: unknown }] }]>(`EXPLAIN (FORMAT JSON) ${text}`, params as never[]);
      const root = row!['QUERY PLAN'][0].Plan;
      const limit = firstNode(root, 'Limit');
      return { indexes: indexesIn(root), underLimit: limit ? nodeTypesIn(limit) : [], seqScans: seqScansIn(root) };
    };
    const [{ from, to }] = await sql<[{ from: string; to: string }]>`SELECT to_char(current_date + 3, 'YYYY-MM-DD') AS from, to_char(current_date + 9, 'YYYY-MM-DD') AS to`;
    const [doctor] = await sql<[{ id: number; specialization: string; city: string; clinicId: number }]>`
      SELECT d.id, d.specialization, c.city, c.id AS "clinicId" FROM doctors d JOIN clinics c ON c.id = d.clinic_id ORDER BY d.id LIMIT 1`;
    const page = [from, to, new Date().toISOString(), '-infinity', 0, 21];
    const byCity = await planOf(SEARCH_OPEN_SLOTS.city, [doctor!.specialization, doctor!.city, null, null, ...page]);
    const byClinic = await planOf(SEARCH_OPEN_SLOTS.clinic, [doctor!.specialization, null, doctor!.clinicId, null, ...page]);
    const bySpecialization = await planOf(SEARCH_OPEN_SLOTS.specialization, [doctor!.specialization, null, null, null, ...page]);
    const byDoctor = await planOf(SEARCH_OPEN_SLOTS.doctor, [doctor!.specialization, null, null, doctor!.id, ...page]);
    expect(byCity.indexes).toContain('open_slots_specialization_city');
    expect(byClinic.indexes).toContain('open_slots_specialization_city');
    expect(bySpecialization.indexes).toContain('open_slots_specialization');
    // One doctor: at full scale their primary-key range; with 40 doctors the planner may prefer the specialization's.
    expect(byDoctor.indexes.some((name) => name === 'open_slots_pkey' || name === 'open_slots_specialization')).toBe(true);
    for (const plan of [byCity, byClinic, bySpecialization, byDoctor]) {
      // Never the whole table: an index range bounded by the dates asked. (At this size the
      // planner may read the range and sort it; at full scale the same range is read in time
      // order and stopped at the page: \`npm run bench\` measures that plan.)
      expect(plan.seqScans).not.toContain('open_slots');
      expect(plan.underLimit.some((type) => type.includes('Index'))).toBe(true);
    }
    // Computed (beyond the table): each doctor's busy time through the doctor's exclusion index.
    const generate = await planOf(`SELECT * FROM (${FREE_SLOTS_OF_DOCTORS}) g`, [[doctor!.id, doctor!.id + 1], from, to]);
    expect(generate.indexes).toContain('appointments_doctor_no_overlap');
    expect(generate.seqScans).not.toContain('appointments');
  });
});
