import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { parseLsn } from '../../cloud/db/lsn.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { startReplicatedPostgres, type ReplicatedPostgres } from '../helpers/replicated-postgres.js';
import { waitFor } from '../helpers/wait-for.js';
import { ReportJobs } from '../../cloud/reports/report-jobs.js';
import { ReportWorker } from '../../cloud/reports/report-worker.js';

interface Slot {
  startsAt: string;
  doctor: { id: number };
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const DAY_MS = 86_400_000;
/** A Monday two to three weeks ahead: inside the table of open slots. */
const MONDAY = (() => {
  const day = new Date(Date.now() + 14 * DAY_MS);
  const date = day.toISOString().slice(0, 10);
  return new Date(Date.parse(`${date}T00:00:00Z`) + ((8 - (day.getUTCDay() || 7)) % 7) * DAY_MS).toISOString().slice(0, 10);
})();
const at = (hhmm: string) => `${MONDAY}T${hhmm}:00.000Z`;

/**
 * Reads from a real hot standby (pg_basebackup -R, streaming from a real primary). Its replay is
 * paused while a client books: the standby then certainly lacks the booking, and the client's
 * own reads must still never show that slot as free.
 */
describe('reads from a streaming replica see the client’s own writes', () => {
  let pg: ReplicatedPostgres;
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let standby: Sql;
  let nurse: string;
  let doctorId: number;
  let patientId: number;

  const search = (readAfter?: string) =>
    api<Page<Slot>>(cloud.url, `/v1/availability?specialization=cardiology&doctorId=${doctorId}&from=${MONDAY}&to=${MONDAY}&limit=50`, {
      token: nurse,
      headers: readAfter ? { 'x-read-after': readAfter } : {},
    });
  const shownFree = (page: Page<Slot>, startsAt: string) => page.items.some((s) => Date.parse(s.startsAt) === Date.parse(startsAt));
  const replayed = async () => parseLsn((await standby<[{ lsn: string }]>`SELECT pg_last_wal_replay_lsn()::text AS lsn`)[0].lsn)!;

  beforeAll(async () => {
    pg = await startReplicatedPostgres();
    const admin = connect(pg.primary.url(), { max: 1 });
    await admin`CREATE DATABASE ward`;
    await admin.end();
    cloud = await startTestCloud({
      databaseUrl: pg.primary.url('ward'),
      env: { CLOUD_STORAGE_MODE: 'native', CLOUD_READ_DATABASE_URL: pg.standby.url('ward'), CLOUD_READ_WAIT_MS: '300', CLOUD_CORS_ORIGINS: 'https://ward-app.example.org' },
    });
    const adminToken = (await signIn(cloud.url, (await addUser(cloud.service, 'admin')).username)).accessToken;
    nurse = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    const clinic = await api<{ id: number }>(cloud.url, '/v1/clinics', { method: 'POST', token: adminToken, body: { name: 'Central', city: 'Springfield', timezone: 'UTC' } });
    const doctor = await api<{ id: number }>(cloud.url, '/v1/doctors', { method: 'POST', token: adminToken, body: { name: 'Dr Replica', specialization: 'cardiology', clinicId: clinic.body.id, consultationFeeCents: 5000 } });
    doctorId = doctor.body.id;
    const blocks = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, starts: '09:00', ends: '12:00', slotMinutes: 30 }));
    expect((await api(cloud.url, `/v1/doctors/${doctorId}/schedule`, { method: 'PUT', token: adminToken, body: { blocks } })).status).toBe(200);
    await cloud.service.ctx.openSlots.maintain();
    [{ id: patientId }] = await cloud.service.ctx.sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('RR-1', 'Replica Reader') RETURNING id`;
    standby = connect(pg.standby.url('ward'), { max: 1 });
    // The standby has everything so far before the test starts.
    const target = await cloud.service.ctx.reads.primaryLsn();
    await waitFor(async () => (await replayed()) >= target, 60_000, 'the standby replays the set-up');
  });

  afterAll(async () => {
    await standby?.end();
    await cloud?.stop();
    await pg?.stop();
  });

  it('serves searches from the replica when the client has written nothing', async () => {
    const page = await search();
    expect(page.status).toBe(200);
    expect(page.headers.get('x-read-source')).toBe('replica');
    expect(shownFree(page.body, at('09:00'))).toBe(true);
  });

  it('never shows a slot the client just booked as free, while the replica has not replayed the booking', async () => {
    await standby`SELECT pg_wal_replay_pause()`;
    for (const [hhmm, until] of [['09:00', '09:30'], ['09:30', '10:00'], ['10:00', '10:30']] as const) {
      const booked = await api<{ id: number }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at(hhmm), endsAt: at(until) } });
      expect(booked.status).toBe(201);
      const readAfter = booked.headers.get('x-read-after');
      expect(readAfter).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

      const mine = await search(readAfter!);
      expect(mine.status).toBe(200);
      expect(mine.headers.get('x-read-source')).toBe('primary'); // the replica is behind: the primary answered
      expect(shownFree(mine.body, at(hhmm))).toBe(false);

      // The replica really is behind: it does not have the booking.
      expect(await standby`SELECT 1 FROM appointments WHERE id = ${booked.body.id}`).toHaveLength(0);
      expect(shownFree((await search(readAfter!)).body, at(hhmm))).toBe(false);

      const history = await api<Page<{ id: number }>>(cloud.url, `/v1/patients/${patientId}/appointments`, { token: nurse, headers: { 'x-read-after': readAfter! } });
      expect(history.body.items.map((a) => a.id)).toContain(booked.body.id);
    }
  });

  it('reads from the replica again once it has replayed the write, and caches only pages that include it', async () => {
    const booked = await api<{ id: number }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at('11:00'), endsAt: at('11:30') } });
    const readAfter = booked.headers.get('x-read-after')!;
    await standby`SELECT pg_wal_replay_resume()`;
    await waitFor(async () => (await replayed()) >= parseLsn(readAfter)!, 60_000, 'the standby replays the booking');
    const mine = await search(readAfter);
    expect(mine.headers.get('x-read-source')).toBe('replica');
    expect(shownFree(mine.body, at('11:00'))).toBe(false);
    // Stored now (the replica had replayed the change): served from the cache to the same client.
    const again = await search(readAfter);
    expect(again.headers.get('x-availability-cache')).toBe('hit');
    expect(shownFree(again.body, at('11:00'))).toBe(false);
  });

  it('frees a cancelled slot for the client at once', async () => {
    await standby`SELECT pg_wal_replay_pause()`;
    const booked = await api<{ id: number }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at('11:30'), endsAt: at('12:00') } });
    expect(shownFree((await search(booked.headers.get('x-read-after')!)).body, at('11:30'))).toBe(false);
    const cancelled = await api(cloud.url, `/v1/appointments/${booked.body.id}/cancel`, { method: 'POST', token: nurse });
    expect(cancelled.status).toBe(200);
    expect(shownFree((await search(cancelled.headers.get('x-read-after')!)).body, at('11:30'))).toBe(true);
    await standby`SELECT pg_wal_replay_resume()`;
  });

  it('lets a browser app read the position and send it back (CORS)', async () => {
    const origin = 'https://ward-app.example.org';
    const booked = await api<{ id: number }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, headers: { origin }, body: { doctorId, patientId, startsAt: at('10:30'), endsAt: at('11:00') } });
    expect(booked.headers.get('access-control-expose-headers')).toMatch(/x-read-after/);
    const preflight = await fetch(`${cloud.url}/v1/availability`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-read-after' } });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-read-after/);
  });

  it('refuses a read position it did not make, with a clear error', async () => {
    const bad = await api<{ error: string; message: string }>(cloud.url, `/v1/availability?specialization=cardiology&from=${MONDAY}&to=${MONDAY}`, { token: nurse, headers: { 'x-read-after': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request' });
    expect(bad.body.message).toMatch(/x-read-after/);
  });

  /** Produces one report with a worker on this cloud's routing; returns where its data was read and its rows. */
  async function doctorDayReport(): Promise<{ readFrom: unknown; rows: number }> {
    const logged: Array<Record<string, unknown>> = [];
    const logger = { info: (o: object) => logged.push(o as Record<string, unknown>), warn: () => undefined, error: () => undefined };
    const jobs = new ReportJobs(cloud.service.ctx.sql);
    const requester = await addUser(cloud.service, 'physician');
    const job = await jobs.create('doctor_appointments', { doctorId, date: MONDAY }, requester.id, { maxAttempts: 1, retentionMs: DAY_MS });
    const worker = new ReportWorker(cloud.service.ctx.sql, jobs, { leaseMs: 60_000, pollMs: 60_000, reads: cloud.service.ctx.reads, logger });
    expect((await worker.runOnce())?.job.id).toBe(job.id);
    const [done] = await cloud.service.ctx.sql<[{ status: string; row_count: number }]>`SELECT status, row_count FROM report_jobs WHERE id = ${job.id}`;
    expect(done.status).toBe('done');
    return { readFrom: logged.find((l) => l.report === job.id)?.readFrom, rows: done.row_count };
  }

  it('reads a report’s data from the replica once it has everything committed before the claim, else from the primary', async () => {
    const before = await doctorDayReport();
    expect(before.readFrom).toBe('replica');
    // A booking the replica has not replayed: the report must still include it, so the primary serves it.
    await standby`SELECT pg_wal_replay_pause()`;
    try {
      const [{ id: other }] = await cloud.service.ctx.sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('RR-2', 'Report Reader') RETURNING id`;
      const booked = await api<{ id: number; message?: string }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId: other, startsAt: at('11:30'), endsAt: at('12:00') } });
      expect(booked.body.message ?? '').toBe('');
      expect(booked.status).toBe(201);
      const after = await doctorDayReport();
      expect(after.readFrom).toBe('primary');
      expect(after.rows).toBe(before.rows + 1);
    } finally {
      await standby`SELECT pg_wal_replay_resume()`;
    }
  });

  it('reads from the primary when the replica is gone', async () => {
    await standby.end();
    await pg.standby.kill();
    const history = await api<Page<{ id: number }>>(cloud.url, `/v1/patients/${patientId}/appointments`, { token: nurse });
    expect(history.status).toBe(200);
    expect(history.headers.get('x-read-source')).toBe('primary');
    expect(history.body.items.length).toBeGreaterThan(0);
  });
});
