import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../cloud/db/sql.js';
import { GET_RECORD, LIST_RECORDS, LIST_RECORDS_OF_TYPE } from '../../cloud/records/medical-records.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { indexesIn, seqScansIn } from '../helpers/query-plan.js';

interface RecordBody {
  id: number;
  patientId: number;
  type: string;
  authorName: string;
  createdAt: string;
  body: Record<string, unknown>;
}
interface RecordPage {
  items: RecordBody[];
  nextCursor: string | null;
}

async function explain(sql: Sql, text: string, params: unknown[]): Promise<{ indexes: string[]; seqScans: string[] }> {
  const [row] = await sql.unsafe<[{ 'QUERY PLAN': [{ Plan: unknown }] }]>(`EXPLAIN (FORMAT JSON) ${text}`, params as never[]);
  const plan = row!['QUERY PLAN'][0].Plan;
  return { indexes: indexesIn(plan), seqScans: seqScansIn(plan) };
}

describe('medical records (real PostgreSQL, real HTTP)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let sql: Sql;
  let physician: string;
  let nurse: string;
  let admin: string;
  let patientId: number;
  let otherPatientId: number;

  beforeAll(async () => {
    cloud = await startTestCloud();
    sql = cloud.service.ctx.sql;
    physician = (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken;
    nurse = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    admin = (await signIn(cloud.url, (await addUser(cloud.service, 'admin')).username)).accessToken;
    [{ id: patientId }, { id: otherPatientId }] = await sql<Array<{ id: number }>>`
      INSERT INTO patients (mrn, name, birth_date) VALUES ('R-1', 'Ada Record', '1970-01-01'), ('R-2', 'Bob Record', '1980-01-01') RETURNING id`;
  });
  afterAll(() => cloud.stop());

  it('physicians write records, nurses read them, others are refused; every read is audited', async () => {
    const created = await api<RecordBody>(cloud.url, `/v1/patients/${patientId}/records`, { method: 'POST', token: physician, body: { type: 'diagnosis', body: { code: 'J06.9', text: 'Upper respiratory infection' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ patientId, type: 'diagnosis', body: { code: 'J06.9' }, authorName: 'Test physician' });
    expect(created.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    expect((await api(cloud.url, `/v1/patients/${patientId}/records`, { method: 'POST', token: nurse, body: { type: 'note', body: {} } })).status).toBe(403);
    expect((await api(cloud.url, `/v1/patients/${patientId}/records`, { token: admin })).status).toBe(403);
    expect((await api(cloud.url, `/v1/patients/${patientId}/records`)).status).toBe(401);
    expect((await api(cloud.url, `/v1/patients/${patientId}/records`, { method: 'POST', token: physician, body: { type: 'gossip', body: {} } })).status).toBe(400);
    expect((await api(cloud.url, `/v1/patients/999999/records`, { method: 'POST', token: physician, body: { type: 'note', body: {} } })).body).toMatchObject({ error: 'patient_not_found' });
    expect((await api(cloud.url, `/v1/patients/999999/records`, { token: nurse })).body).toMatchObject({ error: 'patient_not_found' });
    expect((await api(cloud.url, `/v1/records/999999`, { token: nurse })).body).toMatchObject({ error: 'record_not_found' });

    const one = await api<RecordBody>(cloud.url, `/v1/records/${created.body.id}`, { token: nurse });
    expect(one.body).toEqual(created.body);
    const list = await api<RecordPage>(cloud.url, `/v1/patients/${patientId}/records`, { token: nurse });
    expect(list.body.items.map((r) => r.id)).toContain(created.body.id);

    await cloud.service.ctx.audit.flush();
    const actions = await sql<Array<{ action: string }>>`SELECT action FROM audit_log WHERE patient_id = ${patientId} ORDER BY id`;
    expect(actions.map((a) => a.action)).toEqual(['record.create', 'record.read', 'records.list']);
  });

  it('pages newest first with a cursor, default 20, at most 100, filtered by type and date range', async () => {
    // 130 records a minute apart, types in turn, for the other patient.
    await sql`
      INSERT INTO medical_records (patient_id, type, author_id, created_at, body)
      SELECT ${otherPatientId}, (ARRAY['diagnosis','prescription','lab','note'])[1 + i % 4], (SELECT min(id) FROM users),
             TIMESTAMPTZ '2026-01-01 00:00Z' + i * interval '1 minute', jsonb_build_object('i', i)
      FROM generate_series(0, 129) AS i`;
    const first = await api<RecordPage>(cloud.url, `/v1/patients/${otherPatientId}/records`, { token: physician });
    expect(first.body.items).toHaveLength(20);
    expect(first.body.items[0]!.body).toEqual({ i: 129 });
    expect(first.body.items.map((r) => r.createdAt)).toEqual([...first.body.items.map((r) => r.createdAt)].sort().reverse());

    const all: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: RecordPage } = await api<RecordPage>(cloud.url, `/v1/patients/${otherPatientId}/records?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token: physician });
      all.push(...page.body.items.map((r) => r.body.i as number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all).toEqual(Array.from({ length: 130 }, (_, k) => 129 - k));
    expect((await api(cloud.url, `/v1/patients/${otherPatientId}/records?limit=101`, { token: physician })).status).toBe(400);
    expect((await api(cloud.url, `/v1/patients/${otherPatientId}/records?cursor=nonsense`, { token: physician })).status).toBe(400);

    const labs = await api<RecordPage>(cloud.url, `/v1/patients/${otherPatientId}/records?type=lab&limit=100`, { token: physician });
    expect(labs.body.items.every((r) => r.type === 'lab')).toBe(true);
    expect(labs.body.items).toHaveLength(32); // i % 4 == 2 for i in 0..129

    const ranged = await api<RecordPage>(cloud.url, `/v1/patients/${otherPatientId}/records?from=2026-01-01T00:10:00Z&to=2026-01-01T00:20:00Z`, { token: physician });
    expect(ranged.body.items.map((r) => r.body.i)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(ranged.body.nextCursor).toBeNull();
  });

  it('never skips or repeats a record while records are added between pages', async () => {
    const [{ id: pid }] = await sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('R-3', 'Cy Record') RETURNING id`;
    // Many records share one created_at: the id breaks the tie.
    await sql`
      INSERT INTO medical_records (patient_id, type, author_id, created_at, body)
      SELECT ${pid}, 'note', (SELECT min(id) FROM users), TIMESTAMPTZ '2026-02-01 00:00Z' + (i / 5) * interval '1 second', jsonb_build_object('i', i)
      FROM generate_series(1, 47) AS i`;
    const seen: number[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const page: { body: RecordPage } = await api<RecordPage>(cloud.url, `/v1/patients/${pid}/records?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { token: physician });
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
      // Newer records arrive between pages (they belong before the cursor and must not appear).
      await api(cloud.url, `/v1/patients/${pid}/records`, { method: 'POST', token: physician, body: { type: 'note', body: { added: ++added } } });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const original = await sql<Array<{ id: number }>>`SELECT id FROM medical_records WHERE patient_id = ${pid} AND body ? 'i' ORDER BY created_at DESC, id DESC`;
    expect(seen).toEqual(original.map((r) => r.id));
  });

  it('registers patients with demographics, refuses a second MRN, corrects fields given, audits reads', async () => {
    const created = await api<{ id: number; sex: string; birthDate: string }>(cloud.url, '/v1/patients', { method: 'POST', token: nurse, body: { mrn: 'REG-1', name: 'Dee Demo', birthDate: '1990-05-17', sex: 'female', email: 'dee@example.org', phone: '+44 20 7946 0000' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mrn: 'REG-1', birthDate: '1990-05-17', sex: 'female', email: 'dee@example.org' });
    expect((await api(cloud.url, '/v1/patients', { method: 'POST', token: nurse, body: { mrn: 'REG-1', name: 'Someone Else' } })).body).toMatchObject({ error: 'mrn_taken' });
    expect((await api(cloud.url, '/v1/patients', { method: 'POST', token: nurse, body: { mrn: 'REG-2', name: 'Bad Mail', email: 'not-an-address' } })).status).toBe(400);
    const patched = await api(cloud.url, `/v1/patients/${created.body.id}/demographics`, { method: 'PATCH', token: physician, body: { phone: null, email: 'dee@new.example.org' } });
    expect(patched.body).toMatchObject({ name: 'Dee Demo', phone: null, email: 'dee@new.example.org', birthDate: '1990-05-17' });
    expect((await api(cloud.url, `/v1/patients/${created.body.id}/demographics`, { token: admin })).body).toMatchObject({ email: 'dee@new.example.org' });
    expect((await api(cloud.url, '/v1/patients/999999/demographics', { token: admin })).body).toMatchObject({ error: 'patient_not_found' });
    await cloud.service.ctx.audit.flush();
    const actions = await sql<Array<{ action: string }>>`SELECT action FROM audit_log WHERE patient_id = ${created.body.id} ORDER BY id`;
    expect(actions.map((a) => a.action)).toEqual(['patient.register', 'patient.demographics.update', 'patient.demographics.read']);
  });

  it('sends large pages compressed', async () => {
    const long = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(200);
    for (let i = 0; i < 3; i++) await api(cloud.url, `/v1/patients/${patientId}/records`, { method: 'POST', token: physician, body: { type: 'note', body: { text: long } } });
    const response = await fetch(`${cloud.url}/v1/patients/${patientId}/records`, { headers: { authorization: `Bearer ${physician}`, 'accept-encoding': 'gzip' } });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(((await response.json()) as RecordPage).items.length).toBeGreaterThanOrEqual(3);
  });

  it('each list query and the single read use their index (EXPLAIN of the very SQL constants)', async () => {
    // Enough rows that an index is the planner's own choice: 400 patients x 10 records.
    await sql`
      INSERT INTO patients (mrn, name) SELECT 'X-' || i, 'Explain ' || i FROM generate_series(1, 400) AS i`;
    await sql`
      INSERT INTO medical_records (patient_id, type, author_id, created_at, body)
      SELECT p.id, (ARRAY['diagnosis','prescription','lab','note'])[1 + k % 4], (SELECT min(id) FROM users), now() - k * interval '1 day', '{}'
      FROM patients p, generate_series(1, 10) AS k WHERE p.mrn LIKE 'X-%'`;
    await sql`ANALYZE medical_records`;
    await sql`ANALYZE users`;
    const page = [otherPatientId, '-infinity', 'infinity', 'infinity', '9223372036854775807', 21];
    const all = await explain(sql, LIST_RECORDS, page);
    expect(all.indexes).toContain('medical_records_patient_created');
    // The users table (three authors here) may be scanned whole; the records never.
    expect(all.seqScans).not.toContain('medical_records');
    const typed = await explain(sql, LIST_RECORDS_OF_TYPE, [...page, 'lab']);
    expect(typed.indexes).toContain('medical_records_patient_type_created');
    expect(typed.seqScans).not.toContain('medical_records');
    const one = await explain(sql, GET_RECORD, [1]);
    expect(one.indexes).toContain('medical_records_pkey');
  });
});
