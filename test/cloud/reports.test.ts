import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPORT_DONE_CHANNEL, ReportJobs } from '../../cloud/reports/report-jobs.js';
import { reportWorker } from '../../cloud/reports/report-workers.js';
import { ReportWorker } from '../../cloud/reports/report-worker.js';
import type { Sql } from '../../cloud/db/sql.js';
import { book, seedClinic, seedPatient } from '../helpers/appointments.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

const WEEK = '2026-03-02';
const DAY = '2026-03-04';
const HOUR = 3_600_000;

interface ReportView {
  id: string;
  status: string;
  attempts: number;
  failure: string | null;
  summary: Record<string, unknown> | null;
  rowCount: number | null;
  downloads: { csv: string; pdf: string } | null;
}

/**
 * Deterministic rollups: 9 days of hourly buckets and 1 day of minute buckets for HR and SPO2.
 * Native mode: rows in the rollup tables. TimescaleDB mode: the rollups are continuous aggregates,
 * so raw values every minute over the 9 days, then the aggregates refreshed by hand, as their
 * policies would, so that the reports read materialized rows.
 */
async function seedVitals(sql: Sql, patientId: number): Promise<void> {
  if (inject('storageMode') === 'timescaledb') {
    await sql`
      INSERT INTO vitals (ts, patient_id, vital, value, device_ref)
      SELECT ts, ${patientId}, v, base + (m % 7) - (m % 5) * 0.5, 1
      FROM generate_series(timestamptz '2026-03-01 00:00Z', timestamptz '2026-03-09 23:59Z', interval '1 minute') WITH ORDINALITY AS t(ts, m),
           (VALUES (1, 70.0), (3, 95.0)) AS vs(v, base)`;
    for (const view of ['vitals_1m', 'vitals_5m', 'vitals_1h', 'vitals_1d']) {
      await sql.unsafe(`CALL refresh_continuous_aggregate('${view}', '2026-02-28', '2026-03-11')`);
    }
    return;
  }
  await sql`
    INSERT INTO vitals_1h (bucket, patient_id, vital, min, max, sum, count)
    SELECT ts, ${patientId}, v, base - 5 - (h % 3), base + 7 + (h % 5), (base + (h % 11) * 0.37) * (50 + h % 13), 50 + h % 13
    FROM generate_series(timestamptz '2026-03-01 00:00Z', timestamptz '2026-03-09 23:00Z', interval '1 hour') WITH ORDINALITY AS t(ts, h),
         (VALUES (1, 70.0), (3, 95.0)) AS vs(v, base)`;
  await sql`
    INSERT INTO vitals_1m (bucket, patient_id, vital, min, max, sum, count)
    SELECT ts, ${patientId}, v, base - (m % 4), base + (m % 6), (base + (m % 7) * 0.5) * (1 + m % 2), 1 + m % 2
    FROM generate_series(timestamptz '2026-03-03 23:00Z', timestamptz '2026-03-05 01:00Z', interval '1 minute') WITH ORDINALITY AS t(ts, m),
         (VALUES (1, 72.0), (3, 96.0)) AS vs(v, base)`;
}

async function seedAlarms(sql: Sql): Promise<void> {
  await sql`
    INSERT INTO alarm_events (station_id, event_id, patient_id, at, alarm_id, phase, condition, type, priority, state, inactivation, bed_id, value, limit_value)
    SELECT CASE WHEN i % 10 = 0 THEN 'ward-b' ELSE 'ward-a' END, i, 1 + i % 32, timestamptz '2026-03-01 00:00Z' + i * interval '97 seconds', 'a' || i,
      CASE WHEN i % 3 = 0 THEN 'end' ELSE 'start' END,
      (ARRAY['HR_HIGH', 'SPO2_LOW', 'RR_HIGH', 'DEVICE_OFFLINE'])[1 + i % 4],
      CASE WHEN i % 4 = 3 THEN 'technical' ELSE 'physiological' END,
      (ARRAY['PH', 'PM', 'PL'])[1 + i % 3 + (i / 7) % 2 * 0], 'active', 'none', 'B' || (1 + i % 32), 100 + i % 40, 120
    FROM generate_series(1, 20000) AS i`;
}

describe('reports (real PostgreSQL, real HTTP, worker processes)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let sql: Sql;
  let token: string;
  let otherToken: string;
  let adminToken: string;
  let patientId: number;
  const jobs = () => new ReportJobs(sql);
  const worker = (now: () => number = Date.now) => new ReportWorker(sql, new ReportJobs(sql, now), { leaseMs: 30_000, pollMs: 60_000 });

  beforeAll(async () => {
    cloud = await startTestCloud();
    sql = cloud.service.ctx.sql;
    const physician = await addUser(cloud.service, 'physician');
    const other = await addUser(cloud.service, 'nurse');
    const admin = await addUser(cloud.service, 'admin');
    token = (await signIn(cloud.url, physician.username)).accessToken;
    otherToken = (await signIn(cloud.url, other.username)).accessToken;
    adminToken = (await signIn(cloud.url, admin.username)).accessToken;
    [{ id: patientId }] = await sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('MRN-R1', 'Ada Report') RETURNING id`;
    await cloud.service.ctx.stations.provision('ward-a', 'Ward A');
    await cloud.service.ctx.stations.provision('ward-b', 'Ward B');
    await seedVitals(sql, patientId);
    await seedAlarms(sql);
  });
  afterAll(() => cloud.stop());

  const request = (body: unknown, t = token) => api<ReportView>(cloud.url, '/v1/reports', { method: 'POST', token: t, body });
  const status = (id: string, t = token) => api<ReportView>(cloud.url, `/v1/reports/${id}`, { token: t });
  async function download(id: string, format: 'csv' | 'pdf', t = token): Promise<{ status: number; type: string | null; body: Buffer }> {
    const response = await fetch(`${cloud.url}/v1/reports/${id}/${format}`, { headers: { authorization: `Bearer ${t}` } });
    return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
  }
  const csvRows = (body: Buffer) => body.toString('utf8').trim().split('\r\n').map((line) => line.split(','));

  it('a weekly vitals report answers 202 at once, is produced by a worker, and matches SQL over the hourly rollup', async () => {
    const queued = await request({ kind: 'patient_vitals', patientId, date: WEEK, period: 'week' });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ status: 'queued', downloads: null });
    expect((await download(queued.body.id, 'csv')).status).toBe(409);

    expect((await worker().runOnce())?.job.id).toBe(queued.body.id);
    const done = await status(queued.body.id);
    expect(done.body).toMatchObject({ status: 'done', attempts: 1, rowCount: 7 * 24 * 2 });

    const expected = await sql<Array<{ vital: number; min: number; max: number; mean: number; count: number }>>`
      SELECT vital, min(min) AS min, max(max) AS max, sum(sum) / sum(count) AS mean, sum(count)::bigint AS count
      FROM vitals_1h WHERE patient_id = ${patientId} AND bucket >= '2026-03-02T00:00Z' AND bucket < '2026-03-09T00:00Z'
      GROUP BY vital ORDER BY vital`;
    const summary = done.body.summary as { vitals: Array<{ vital: string; min: number; max: number; mean: number; count: number }> };
    expect(summary.vitals.map((v) => v.vital)).toEqual(['HR', 'SPO2']);
    summary.vitals.forEach((v, i) => {
      expect(v.min).toBe(expected[i]!.min);
      expect(v.max).toBe(expected[i]!.max);
      expect(v.count).toBe(expected[i]!.count);
      expect(v.mean).toBeCloseTo(expected[i]!.mean, 9);
    });

    const csv = await download(queued.body.id, 'csv');
    expect(csv).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
    const [header, ...rows] = csvRows(csv.body);
    expect(header).toEqual(['bucket', 'vital', 'unit', 'min', 'mean', 'max', 'count']);
    const direct = await sql<Array<{ bucket: Date; vital: number; min: number; max: number; count: number }>>`
      SELECT bucket, vital, min, max, count FROM vitals_1h
      WHERE patient_id = ${patientId} AND bucket >= '2026-03-02T00:00Z' AND bucket < '2026-03-09T00:00Z' ORDER BY bucket, vital`;
    expect(rows.map((r) => [r[0], r[1], Number(r[3]), Number(r[5]), Number(r[6])])).toEqual(direct.map((d) => [d.bucket.toISOString(), d.vital === 1 ? 'HR' : 'SPO2', d.min, d.max, d.count]));

    const pdf = await download(queued.body.id, 'pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.body.subarray(-6).toString()).toContain('%%EOF');

    await cloud.service.ctx.audit.flush();
    // '#>> {}' reads the detail whether it was stored as a JSON object or as a JSON string.
    const audited = await sql<Array<{ action: string }>>`SELECT action FROM audit_log WHERE patient_id = ${patientId} AND (detail #>> '{}')::jsonb ->> 'report' = ${queued.body.id} ORDER BY id`;
    expect(audited.map((a) => a.action)).toEqual(['report.request', 'report.download', 'report.download']);
  });

  it('a day report reads the minute rollup; its CSV arrives in stored chunks', async () => {
    const queued = await request({ kind: 'patient_vitals', patientId, date: DAY, period: 'day' });
    await worker().runOnce();
    const done = await status(queued.body.id);
    expect(done.body.rowCount).toBe(1440 * 2);
    const [{ count }] = await sql<[{ count: number }]>`SELECT count(*)::int AS count FROM vitals_1m WHERE patient_id = ${patientId} AND bucket >= '2026-03-04T00:00Z' AND bucket < '2026-03-05T00:00Z'`;
    const [, ...rows] = csvRows((await download(queued.body.id, 'csv')).body);
    expect(rows.length).toBe(count);
    expect(rows[0]![0]).toBe('2026-03-04T00:00:00.000Z');
    expect(rows.at(-1)![0]).toBe('2026-03-04T23:59:00.000Z');
  });

  it('a ward alarm summary matches SQL over the ward\'s alarm starts', async () => {
    const queued = await request({ kind: 'ward_alarms', stationId: 'ward-a', from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' });
    await worker().runOnce();
    const done = await status(queued.body.id);
    expect(done.body.status).toBe('done');
    const expected = await sql<Array<{ condition: string; priority: string; count: number }>>`
      SELECT condition, priority, count(*)::int AS count FROM alarm_events
      WHERE station_id = 'ward-a' AND phase = 'start' AND at >= '2026-03-02T00:00Z' AND at < '2026-03-09T00:00Z'
      GROUP BY condition, priority`;
    const summary = done.body.summary as { alarms: number; byCondition: Array<{ condition: string; priority: string; count: number }> };
    const key = (r: { condition: string; priority: string }) => `${r.condition}/${r.priority}`;
    expect(new Map(summary.byCondition.map((r) => [key(r), r.count]))).toEqual(new Map(expected.map((r) => [key(r), r.count])));
    expect(summary.alarms).toBe(expected.reduce((n, r) => n + r.count, 0));
    const [, ...rows] = csvRows((await download(queued.body.id, 'csv')).body);
    expect(rows.length).toBe(summary.alarms);
  });

  it("a doctor's appointment list for a day (clinic time zone) matches the appointments table", async () => {
    const { doctorId } = await seedClinic(cloud.service.ctx, 'Europe/Berlin');
    const day = new Date(Date.now() + 5 * 24 * HOUR).toISOString().slice(0, 10);
    // 07:30 Berlin is 05:30/06:30 UTC; 23:30 UTC the day before is 00:30/01:30 Berlin: in the day.
    const starts = [`${day}T08:00:00Z`, `${day}T09:00:00Z`, `${day}T12:30:00Z`];
    for (const at of starts) await book(cloud.service.ctx, { doctorId, patientId: await seedPatient(cloud.service.ctx, {}), startsAt: new Date(at) });
    await book(cloud.service.ctx, { doctorId, patientId: await seedPatient(cloud.service.ctx, {}), startsAt: new Date(`${day}T23:30:00Z`) }); // next day in Berlin
    const queued = await request({ kind: 'doctor_appointments', doctorId, date: day });
    expect(queued.status).toBe(202);
    await worker().runOnce();
    const done = await status(queued.body.id);
    expect(done.body).toMatchObject({ status: 'done', rowCount: 3, summary: { timezone: 'Europe/Berlin', byStatus: { scheduled: 3 } } });
    const [, ...rows] = csvRows((await download(queued.body.id, 'csv')).body);
    const direct = await sql<Array<{ id: number }>>`
      SELECT id FROM appointments WHERE doctor_id = ${doctorId}
        AND during && tstzrange((${day}::date)::timestamp AT TIME ZONE 'Europe/Berlin', (${day}::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')
      ORDER BY lower(during)`;
    expect(rows.map((r) => Number(r[0]))).toEqual(direct.map((d) => d.id));
    expect((await request({ kind: 'doctor_appointments', doctorId: 987_654, date: day })).status).toBe(404);
  });

  it('a replica started with the report worker picks a new job up at once (woken through the cluster bus)', async () => {
    const replica = await startTestCloud({ databaseUrl: cloud.databaseUrl, env: { CLOUD_REPORT_POLL_MS: '600000' }, workers: [reportWorker()] });
    try {
      const finished: string[] = [];
      let heard: (id: string) => void = () => {};
      const listener = await sql.listen(REPORT_DONE_CHANNEL, (id) => {
        finished.push(id);
        heard(id);
      });
      const queued = await request({ kind: 'patient_vitals', patientId, date: WEEK, period: 'week' });
      await new Promise<void>((resolve) => {
        heard = (id) => id === queued.body.id && resolve();
        if (finished.includes(queued.body.id)) resolve();
      });
      await listener.unlisten();
      expect((await status(queued.body.id)).body).toMatchObject({ status: 'done', rowCount: 7 * 24 * 2 });
    } finally {
      await replica.service.close();
    }
  });

  it('only the requester or an admin may read a report; bad requests are refused', async () => {
    const queued = await request({ kind: 'patient_vitals', patientId, date: WEEK, period: 'day' });
    expect((await status(queued.body.id, otherToken))).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect((await status(queued.body.id, adminToken)).status).toBe(200);
    expect((await api(cloud.url, `/v1/reports/${queued.body.id}`)).status).toBe(401);
    await worker().runOnce();
    expect((await download(queued.body.id, 'csv', otherToken)).status).toBe(403);
    expect((await download(queued.body.id, 'pdf', adminToken)).status).toBe(200);
    expect((await status('00000000-0000-4000-8000-000000000000')).body).toMatchObject({ error: 'report_not_found' });
    expect((await request({ kind: 'patient_vitals', patientId: 999_999, date: WEEK, period: 'week' })).body).toMatchObject({ error: 'patient_not_found' });
    expect((await request({ kind: 'ward_alarms', stationId: 'ward-a', from: '2026-03-09T00:00:00Z', to: '2026-03-02T00:00:00Z' })).body).toMatchObject({ error: 'invalid_request' });
    expect((await request({ kind: 'ward_alarms', stationId: 'nowhere', from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' })).body).toMatchObject({ error: 'station_not_found' });
    expect((await request({ kind: 'patient_vitals', patientId, date: "2026-03-02'; --", period: 'week' })).status).toBe(400);
    expect((await request({ kind: 'patient_vitals', patientId, date: WEEK, period: 'week', timeZone: 'Europe/Berlim' })).body).toMatchObject({ error: 'invalid_request' });
    expect((await request({ kind: 'ward_alarms', stationId: 'ward-a', from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z', timeZone: "UTC'; --" })).body).toMatchObject({ error: 'invalid_request' });
  });

  it('the OpenAPI document describes the report, notification and video routes', async () => {
    const doc = await api<{ paths: Record<string, unknown> }>(cloud.url, '/v1/openapi.json');
    expect(doc.status).toBe(200);
    for (const path of ['/v1/reports', '/v1/reports/{id}', '/v1/reports/{id}/csv', '/v1/reports/{id}/pdf', '/v1/appointments/{appointmentId}/notifications', '/v1/appointments/{appointmentId}/join']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
  });

  it('lists my reports newest first in keyset pages, and only mine', async () => {
    const mine = await api<{ items: ReportView[]; nextCursor: string | null }>(cloud.url, '/v1/reports?limit=2', { token });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(2);
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: ReportView[]; nextCursor: string | null } } = await api(cloud.url, `/v1/reports?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token });
      all.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const [{ ids }] = await sql<[{ ids: string[] }]>`
      SELECT array_agg(r.id ORDER BY r.created_at DESC, r.id DESC) AS ids FROM report_jobs r JOIN users u ON u.id = r.requested_by
      WHERE u.id = (SELECT requested_by FROM report_jobs WHERE id = ${mine.body.items[0]!.id})`;
    expect(all).toEqual(ids);
    expect((await api<{ items: ReportView[] }>(cloud.url, '/v1/reports', { token: otherToken })).body.items.every((r) => !all.includes(r.id))).toBe(true);
    expect((await api(cloud.url, '/v1/reports?cursor=bogus', { token })).status).toBe(400);
  });

  it('a report that cannot be made ends failed with the reason', async () => {
    const [user] = await sql<[{ id: number }]>`SELECT id FROM users LIMIT 1`;
    const job = await jobs().create('doctor_appointments', { doctorId: 424242, date: DAY }, user.id, { maxAttempts: 3, retentionMs: HOUR });
    await worker().runOnce();
    const failed = await jobs().get(job.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.failure).toMatch(/doctor/);
  });

  it('several workers share the queue: each report is made once', async () => {
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await request({ kind: 'patient_vitals', patientId, date: WEEK, period: i % 2 ? 'day' : 'week' })).body.id);
    const drain = async (w: ReportWorker) => {
      const got: string[] = [];
      for (let claim = await w.runOnce(); claim; claim = await w.runOnce()) got.push(claim.job.id);
      return got;
    };
    const [a, b] = await Promise.all([drain(worker()), drain(worker())]);
    expect([...a, ...b].sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await status(id)).body).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('reports are deleted after the retention period', async () => {
    const queued = await request({ kind: 'patient_vitals', patientId, date: WEEK, period: 'week' });
    await worker().runOnce();
    await new ReportJobs(sql, () => Date.now() + HOUR).deleteExpired();
    expect((await status(queued.body.id)).status).toBe(200);
    expect(await new ReportJobs(sql, () => Date.now() + 8 * 24 * HOUR).deleteExpired()).toBeGreaterThan(0);
    expect((await status(queued.body.id)).body).toMatchObject({ error: 'report_not_found' });
    const [{ chunks }] = await sql<[{ chunks: number }]>`SELECT count(*)::int AS chunks FROM report_chunks WHERE report_id = ${queued.body.id}`;
    expect(chunks).toBe(0);
  });

  it('a worker process killed (SIGKILL) mid-report leaves the job to another worker once its lease expires', async () => {
    const queued = await request({ kind: 'patient_vitals', patientId, date: WEEK, period: 'week' });
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/held-report-worker.ts'], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: cloud.databaseUrl, CLOUD_REPORT_LEASE_SECONDS: '30', CLOUD_REPORT_POLL_MS: '100' },
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let claimed: { claimed?: string } = {};
    while (claimed.claimed === undefined) {
      const next = await lines.next();
      if (next.done) throw new Error('worker process ended before claiming');
      claimed = JSON.parse(next.value) as { claimed?: string };
    }
    expect(claimed.claimed).toBe(queued.body.id);
    expect((await status(queued.body.id)).body).toMatchObject({ status: 'running', attempts: 1 });

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');

    // While the lease runs, nobody else takes the job ...
    expect(await worker().runOnce()).toBeNull();
    // ... and once it has expired (a clock 31 s ahead), another worker does and finishes it.
    const later = await worker(() => Date.now() + 31_000).runOnce();
    expect(later).toMatchObject({ attempt: 2, job: { id: queued.body.id } });
    expect((await status(queued.body.id)).body).toMatchObject({ status: 'done', attempts: 2, rowCount: 7 * 24 * 2 });
    const [{ attempts }] = await sql<[{ attempts: number[] }]>`SELECT array_agg(DISTINCT attempt) AS attempts FROM report_chunks WHERE report_id = ${queued.body.id}`;
    expect(attempts).toEqual([2]);
  });

  it('one person cannot fill the queue: past 20 waiting reports, 429', async () => {
    const body = { kind: 'patient_vitals', patientId, date: WEEK, period: 'week' };
    for (let i = 0; i < 20; i++) expect((await request(body, otherToken)).status).toBe(202);
    const refused = await request(body, otherToken);
    expect(refused).toMatchObject({ status: 429, body: { error: 'too_many_attempts' } });
    expect((await request(body)).status).toBe(202); // others are not affected
    await sql`DELETE FROM report_jobs WHERE status = 'queued'`;
  });
});
