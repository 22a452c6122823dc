import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppointmentChange } from '../../cloud/booking/appointment-events.js';
import { DOCTOR_DAY, PATIENT_HISTORY } from '../../cloud/booking/appointment-history.js';
import { SEARCH_AVAILABILITY } from '../../cloud/booking/availability-search.js';
import { freeSlots, type DoctorCalendar, type WeeklyBlock } from '../../cloud/booking/slots.js';
import { run, type Sql } from '../../cloud/db/sql.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { startStatementCounter } from '../helpers/pg-statement-counter.js';
import { indexesIn } from '../helpers/query-plan.js';

interface Slot {
  startsAt: string;
  endsAt: string;
  doctor: { id: number };
  clinic: { city: string };
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Appointment {
  id: number;
  status: string;
  startsAt: string;
  endsAt: string;
}

type Cloud = Awaited<ReturnType<typeof startTestCloud>>;

const at = (date: string, hhmm: string) => `${date}T${hhmm}:00.000Z`;
const DAY_MS = 86_400_000;
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
/** A Monday 10 to 11 weeks ahead: beyond the table of open slots (63 days), so searches compute. */
const MONDAY = (() => {
  const day = new Date(Date.now() + 70 * DAY_MS);
  return addDays(day.toISOString().slice(0, 10), (8 - (day.getUTCDay() || 7)) % 7);
})();
/** A Monday two to three weeks ahead: inside the table of open slots (63 days by default). */
const SOON_MONDAY = (() => {
  const day = new Date(Date.now() + 14 * DAY_MS);
  return addDays(day.toISOString().slice(0, 10), (8 - (day.getUTCDay() || 7)) % 7);
})();
const WEEKDAYS_9_TO_12: WeeklyBlock[] = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, starts: '09:00', ends: '12:00', slotMinutes: 30 }));

async function makeClinic(cloud: Cloud, admin: string, name: string, city: string, timezone = 'UTC'): Promise<number> {
  const r = await api<{ id: number }>(cloud.url, '/v1/clinics', { method: 'POST', token: admin, body: { name, city, timezone } });
  expect(r.status).toBe(201);
  return r.body.id;
}

async function makeDoctor(cloud: Cloud, admin: string, clinicId: number, specialization: string, blocks: WeeklyBlock[] = WEEKDAYS_9_TO_12): Promise<number> {
  const r = await api<{ id: number }>(cloud.url, '/v1/doctors', { method: 'POST', token: admin, body: { name: `Dr ${specialization} ${Math.random().toString(36).slice(2, 6)}`, specialization, clinicId, consultationFeeCents: 5000 } });
  expect(r.status).toBe(201);
  const s = await api(cloud.url, `/v1/doctors/${r.body.id}/schedule`, { method: 'PUT', token: admin, body: { blocks } });
  expect(s.status).toBe(200);
  return r.body.id;
}

async function makePatients(sql: Sql, prefix: string, count: number): Promise<number[]> {
  const rows = await sql<Array<{ id: number }>>`
    INSERT INTO patients (mrn, name) SELECT ${prefix} || i, 'Patient ' || ${prefix} || i FROM generate_series(1, ${count}) AS i RETURNING id`;
  return rows.map((r) => r.id);
}

/** The statements of the audit log's and the security events' batch writers. */
const BUFFERED_WRITES = /^\s*INSERT INTO (audit_log|security_events) /;

describe('booking (real PostgreSQL, real HTTP)', () => {
  let cloud: Cloud;
  let sql: Sql;
  let admin: string;
  let nurse: string;
  let physician: string;
  let clinicId: number;
  const hookCalls: AppointmentChange[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud();
    sql = cloud.service.ctx.sql;
    admin = (await signIn(cloud.url, (await addUser(cloud.service, 'admin')).username)).accessToken;
    nurse = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    physician = (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken;
    clinicId = await makeClinic(cloud, admin, 'Central', 'Springfield');
    // A hook as notifications would register: it writes inside the booking transaction, and a
    // hook that fails takes the booking down with it.
    await sql`CREATE TABLE hook_outbox (appointment_id bigint, kind text)`;
    cloud.service.ctx.appointmentHooks.push(async (tx, change) => {
      hookCalls.push(change);
      if (change.appointment.patientId === -1) return;
      const [{ mrn }] = await tx<[{ mrn: string }]>`SELECT mrn FROM patients WHERE id = ${change.appointment.patientId}`;
      if (mrn === 'HOOK-FAILS') throw new Error('outbox unavailable');
      await tx`INSERT INTO hook_outbox VALUES (${change.appointment.id}, ${change.kind})`;
    });
  });
  afterAll(() => cloud.stop());

  it('only administrators set up clinics, doctors and schedules; bad schedules are refused', async () => {
    expect((await api(cloud.url, '/v1/clinics', { method: 'POST', token: nurse, body: { name: 'X', city: 'Y' } })).status).toBe(403);
    expect((await api(cloud.url, '/v1/clinics', { method: 'POST', token: admin, body: { name: 'X', city: 'Y', timezone: 'Mars/Olympus' } })).status).toBe(400);
    const doctorId = await makeDoctor(cloud, admin, clinicId, 'dermatology');
    const overlap = await api(cloud.url, `/v1/doctors/${doctorId}/schedule`, { method: 'PUT', token: admin, body: { blocks: [{ weekday: 1, starts: '09:00', ends: '12:00', slotMinutes: 30 }, { weekday: 1, starts: '11:00', ends: '13:00', slotMinutes: 30 }] } });
    expect(overlap).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect((await api(cloud.url, '/v1/doctors', { method: 'POST', token: admin, body: { name: 'Dr No', specialization: 'x', clinicId: 999999, consultationFeeCents: 1 } })).body).toMatchObject({ error: 'clinic_not_found' });
    const doctor = await api<{ clinic: { city: string } }>(cloud.url, `/v1/doctors/${doctorId}`, { token: nurse });
    expect(doctor.body.clinic.city).toBe('Springfield');
    expect((await api<{ blocks: WeeklyBlock[] }>(cloud.url, `/v1/doctors/${doctorId}/schedule`, { token: nurse })).body.blocks).toHaveLength(5);
    const openapi = await api<{ paths: Record<string, unknown> }>(cloud.url, '/v1/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/availability', '/v1/appointments', '/v1/patients/{patientId}/records', '/v1/doctors/{doctorId}/day']));
  });

  it('of 100 concurrent requests for one slot exactly one succeeds; the 99 others get 409 naming the slot', async () => {
    const doctorId = await makeDoctor(cloud, admin, clinicId, 'cardiology');
    const patients = await makePatients(sql, 'RACE-', 100);
    const answers = await Promise.all(
      patients.map((patientId) => api<{ error?: string; message?: string }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at(MONDAY, '09:00'), endsAt: at(MONDAY, '09:30') } })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body.error).toBe('slot_taken');
    expect(refused.body.message).toContain(`${MONDAY}T09:00:00.000Z`);
    // The database's range literal stays out of the message.
    expect(refused.body.message).not.toMatch(/[[)]|\+00/);
    const [{ count }] = await sql<[{ count: number }]>`SELECT count(*)::int AS count FROM appointments WHERE doctor_id = ${doctorId}`;
    expect(count).toBe(1);
  });

  it('overlapping but unequal ranges conflict, and a patient cannot hold two overlapping appointments', async () => {
    const a = await makeDoctor(cloud, admin, clinicId, 'neurology');
    const b = await makeDoctor(cloud, admin, clinicId, 'neurology');
    const [p1, p2] = await makePatients(sql, 'OVL-', 2);
    const book = (doctorId: number, patientId: number, from: string, to: string) =>
      api<{ error?: string }>(cloud.url, '/v1/appointments', { method: 'POST', token: physician, body: { doctorId, patientId, startsAt: at(MONDAY, from), endsAt: at(MONDAY, to), mode: 'video' } });
    expect((await book(a, p1!, '09:00', '09:30')).status).toBe(201);
    expect((await book(a, p2!, '09:15', '09:45')).body.error).toBe('slot_taken');
    expect((await book(a, p2!, '08:59', '09:01')).body.error).toBe('outside_schedule'); // starts before working hours
    expect((await book(a, p2!, '09:29', '10:00')).body.error).toBe('slot_taken');
    expect((await book(a, p2!, '09:30', '10:00')).status).toBe(201); // [start, end): touching is fine
    const busy = await book(b, p1!, '09:10', '09:20');
    expect(busy.status).toBe(409);
    expect(busy.body.error).toBe('patient_busy');
    expect((await book(b, p1!, '10:00', '10:30')).status).toBe(201);
  });

  it('cancelling frees the slot at once: search shows it again and it can be rebooked', async () => {
    const doctorId = await makeDoctor(cloud, admin, clinicId, 'oncology', [{ weekday: 1, starts: '09:00', ends: '10:00', slotMinutes: 30 }]);
    const [p1, p2] = await makePatients(sql, 'CAN-', 2);
    const search = `/v1/availability?specialization=oncology&city=Springfield&from=${MONDAY}&to=${MONDAY}`;
    expect((await api<Page<Slot>>(cloud.url, search, { token: nurse })).body.items.map((s) => s.startsAt)).toEqual([at(MONDAY, '09:00').replace('.000Z', '.000000Z'), at(MONDAY, '09:30').replace('.000Z', '.000000Z')]);
    const booked = await api<Appointment>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId: p1, startsAt: at(MONDAY, '09:00'), endsAt: at(MONDAY, '09:30') } });
    expect(booked.status).toBe(201);
    expect((await api<Page<Slot>>(cloud.url, search, { token: nurse })).body.items).toHaveLength(1);
    const cancelled = await api<Appointment>(cloud.url, `/v1/appointments/${booked.body.id}/cancel`, { method: 'POST', token: nurse });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api(cloud.url, `/v1/appointments/${booked.body.id}/cancel`, { method: 'POST', token: nurse })).body).toMatchObject({ error: 'appointment_not_scheduled' });
    expect((await api<Page<Slot>>(cloud.url, search, { token: nurse })).body.items).toHaveLength(2);
    const again = await api<Appointment>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId: p2, startsAt: at(MONDAY, '09:00'), endsAt: at(MONDAY, '09:30') } });
    expect(again.status).toBe(201);
    const done = await api<Appointment>(cloud.url, `/v1/appointments/${again.body.id}/complete`, { method: 'POST', token: physician });
    expect(done.body.status).toBe('completed');
    expect((await api(cloud.url, `/v1/appointments/${again.body.id}/no-show`, { method: 'POST', token: admin })).status).toBe(403);
    // Every change reached the hooks, inside its transaction.
    const outbox = await sql<Array<{ kind: string }>>`SELECT kind FROM hook_outbox WHERE appointment_id IN ${sql([booked.body.id, again.body.id])} ORDER BY kind`;
    expect(outbox.map((o) => o.kind)).toEqual(['booked', 'booked', 'cancelled', 'completed']);
  });

  it('refuses bookings outside the schedule, during leave, in the past, and for unknown doctors or patients; a failing hook rolls the booking back', async () => {
    const doctorId = await makeDoctor(cloud, admin, clinicId, 'urology');
    const [patientId] = await makePatients(sql, 'REF-', 1);
    const [{ id: failing }] = await sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('HOOK-FAILS', 'Hook Fails') RETURNING id`;
    const book = (body: Record<string, unknown>) => api<{ error: string }>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at(MONDAY, '10:00'), endsAt: at(MONDAY, '10:30'), ...body } });
    expect((await book({ startsAt: at(addDays(MONDAY, 5), '10:00'), endsAt: at(addDays(MONDAY, 5), '10:30') })).body.error).toBe('outside_schedule'); // Saturday
    expect((await book({ startsAt: at(MONDAY, '11:45'), endsAt: at(MONDAY, '12:15') })).body.error).toBe('outside_schedule');
    expect((await book({ startsAt: '2020-01-06T10:00:00Z', endsAt: '2020-01-06T10:30:00Z' })).body.error).toBe('invalid_request');
    expect((await book({ endsAt: at(MONDAY, '09:00') })).body.error).toBe('invalid_request');
    expect((await book({ doctorId: 999999 })).body.error).toBe('doctor_not_found');
    expect((await book({ patientId: 999999 })).body.error).toBe('patient_not_found');
    const leave = await api(cloud.url, `/v1/doctors/${doctorId}/exceptions`, { method: 'POST', token: admin, body: { startsAt: at(MONDAY, '00:00'), endsAt: at(addDays(MONDAY, 1), '00:00'), reason: 'leave' } });
    expect(leave.status).toBe(201);
    expect((await book({})).body.error).toBe('outside_schedule');
    const search = await api<Page<Slot>>(cloud.url, `/v1/availability?specialization=urology&clinicId=${clinicId}&from=${MONDAY}&to=${addDays(MONDAY, 1)}`, { token: nurse });
    expect(search.body.items.every((s) => s.startsAt.startsWith(addDays(MONDAY, 1)))).toBe(true);
    const failed = await book({ patientId: failing, startsAt: at(addDays(MONDAY, 1), '10:00'), endsAt: at(addDays(MONDAY, 1), '10:30') });
    expect(failed.status).toBe(500);
    const [{ count }] = await sql<[{ count: number }]>`SELECT count(*)::int AS count FROM appointments WHERE patient_id = ${failing}`;
    expect(count).toBe(0);
  });

  it("pages a patient's appointments upcoming first then past, never skipping or repeating while bookings arrive between pages", async () => {
    const doctorId = await makeDoctor(cloud, admin, clinicId, 'history', [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, starts: '00:00', ends: '24:00', slotMinutes: 60 })));
    const [patientId] = await makePatients(sql, 'HIS-', 1);
    // Past appointments cannot be booked through the API: written directly, as history.
    await sql`
      INSERT INTO appointments (doctor_id, patient_id, during, status, mode)
      SELECT ${doctorId}, ${patientId!}, tstzrange(TIMESTAMPTZ '2025-01-01 10:00Z' + i * interval '1 day', TIMESTAMPTZ '2025-01-01 10:30Z' + i * interval '1 day'), 'completed', 'in_person'
      FROM generate_series(0, 11) AS i`;
    for (let i = 0; i < 9; i++) {
      const r = await api(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at(addDays(MONDAY, 40 + i), '10:00'), endsAt: at(addDays(MONDAY, 40 + i), '10:30') } });
      expect(r.status).toBe(201);
    }
    const expected = [
      ...(await sql<Array<{ id: number }>>`SELECT id FROM appointments WHERE patient_id = ${patientId!} AND lower(during) >= now() ORDER BY lower(during), id`),
      ...(await sql<Array<{ id: number }>>`SELECT id FROM appointments WHERE patient_id = ${patientId!} AND lower(during) < now() ORDER BY lower(during) DESC, id DESC`),
    ].map((r) => r.id);
    const seen: Array<{ id: number; upcoming: boolean }> = [];
    let cursor: string | null = null;
    let day = 0;
    do {
      const page: { body: Page<{ id: number; upcoming: boolean }> } = await api<Page<{ id: number; upcoming: boolean }>>(cloud.url, `/v1/patients/${patientId}/appointments?limit=4${cursor ? `&cursor=${cursor}` : ''}`, { token: nurse });
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      // New bookings between pages: one before the cursor's position, one far after it.
      const date = addDays(MONDAY, 61 + day++);
      await api(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at(date, '10:00'), endsAt: at(date, '10:30') } });
    } while (cursor);
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Everything that existed at the start is there, in order; later bookings may appear only after the cursor.
    expect(ids.filter((id) => expected.includes(id))).toEqual(expected);
    expect(seen.findIndex((s) => !s.upcoming)).toBe(seen.filter((s) => s.upcoming).length);
    expect((await api(cloud.url, '/v1/patients/999999/appointments', { token: nurse })).body).toMatchObject({ error: 'patient_not_found' });

    const dayPage = await api<Page<{ patient: { id: number } }>>(cloud.url, `/v1/doctors/${doctorId}/day?date=${addDays(MONDAY, 40)}`, { token: physician });
    expect(dayPage.body.items.map((a) => a.patient.id)).toEqual([patientId]);
    await cloud.service.ctx.audit.flush();
    const audited = await sql<Array<{ action: string }>>`SELECT DISTINCT action FROM audit_log WHERE action IN ('appointments.list', 'doctor.day', 'appointment.book')`;
    expect(audited.map((a) => a.action).sort()).toEqual(['appointment.book', 'appointments.list', 'doctor.day']);
  });

  it('search results equal a brute-force computation in JavaScript, from the table of open slots and computed (time zones, blocks, exceptions, appointments, pages)', async () => {
    const berlin = await makeClinic(cloud, admin, 'Nord', 'Brute', 'Europe/Berlin');
    const utc = await makeClinic(cloud, admin, 'Sud', 'Brute', 'UTC');
    const other = await makeClinic(cloud, admin, 'Elsewhere', 'Other', 'America/New_York');
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const calendars: Array<DoctorCalendar & { clinicId: number; city: string; specialization: string }> = [];
    for (let i = 0; i < 9; i++) {
      const clinic = [berlin, utc, other][i % 3]!;
      const specialization = i % 2 === 0 ? 'brute-a' : 'brute-b';
      const blocks: WeeklyBlock[] = [];
      for (let weekday = 1; weekday <= 7; weekday++) {
        if (random() < 0.3) continue;
        const startHour = 7 + Math.floor(random() * 4);
        const slotMinutes = [15, 20, 30, 45][Math.floor(random() * 4)]!;
        blocks.push({ weekday, starts: `${String(startHour).padStart(2, '0')}:00`, ends: `${String(startHour + 3).padStart(2, '0')}:10`, slotMinutes });
        if (random() < 0.5) blocks.push({ weekday, starts: '14:00', ends: '16:00', slotMinutes });
      }
      const doctorId = await makeDoctor(cloud, admin, clinic, specialization, blocks);
      const timezone = clinic === berlin ? 'Europe/Berlin' : clinic === utc ? 'UTC' : 'America/New_York';
      calendars.push({ doctorId, timezone, blocks, busy: [], clinicId: clinic, city: clinic === other ? 'Other' : 'Brute', specialization });
    }
    const patients = await makePatients(sql, 'BRU-', 200);
    // Appointments of every status and odd lengths, written directly; and some leave.
    let p = 0;
    for (const c of calendars) {
      for (let k = 0; k < 25; k++) {
        const start = Date.parse(`${SOON_MONDAY}T05:00:00Z`) + Math.floor(random() * 9 * 24 * 4) * 15 * 60_000;
        const end = start + (10 + Math.floor(random() * 60)) * 60_000;
        const status = ['scheduled', 'scheduled', 'completed', 'cancelled'][Math.floor(random() * 4)]!;
        try {
          await sql`INSERT INTO appointments (doctor_id, patient_id, during, status, mode) VALUES (${c.doctorId}, ${patients[p++ % patients.length]!}, tstzrange(${new Date(start)}, ${new Date(end)}), ${status}, 'in_person')`;
          if (status !== 'cancelled') (c.busy as Array<{ start: number; end: number }>).push({ start, end });
        } catch (error) {
          expect((error as { code: string }).code).toBe('23P01'); // a random overlap: the database refused it
        }
      }
      if (random() < 0.5) {
        const start = Date.parse(`${addDays(SOON_MONDAY, 2)}T00:00:00Z`) + Math.floor(random() * 48) * 3600_000;
        await api(cloud.url, `/v1/doctors/${c.doctorId}/exceptions`, { method: 'POST', token: admin, body: { startsAt: new Date(start).toISOString(), endsAt: new Date(start + 20 * 3600_000).toISOString(), reason: 'leave' } });
        (c.busy as Array<{ start: number; end: number }>).push({ start, end: start + 20 * 3600_000 });
      }
    }
    const searches: Array<{ query: string; filter: (c: (typeof calendars)[number]) => boolean }> = [
      { query: 'specialization=brute-a&city=Brute', filter: (c) => c.specialization === 'brute-a' && c.city === 'Brute' },
      { query: 'specialization=brute-b&city=Brute', filter: (c) => c.specialization === 'brute-b' && c.city === 'Brute' },
      { query: `specialization=brute-a&clinicId=${berlin}`, filter: (c) => c.specialization === 'brute-a' && c.clinicId === berlin },
      { query: 'specialization=brute-b', filter: (c) => c.specialization === 'brute-b' },
      { query: `specialization=brute-a&doctorId=${calendars[4]!.doctorId}`, filter: (c) => c.doctorId === calendars[4]!.doctorId },
    ];
    const from = SOON_MONDAY;
    const to = addDays(SOON_MONDAY, 9);
    expect(cloud.service.ctx.openSlots.through()! >= to).toBe(true);
    for (const { query, filter } of searches) {
      const want = freeSlots(calendars.filter(filter), from, to, Date.now()).map((s) => [s.start, s.end, s.doctorId]);
      expect(want.length).toBeGreaterThan(0);
      // Through the API, page by page: the table of open slots covers these dates.
      const sources = new Set<string | null>();
      const got: Slot[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; headers: Headers; body: Page<Slot> } = await api<Page<Slot>>(cloud.url, `/v1/availability?${query}&from=${from}&to=${to}&limit=37${cursor ? `&cursor=${cursor}` : ''}`, { token: nurse });
        expect(page.status).toBe(200);
        sources.add(page.headers.get('x-availability-source'));
        got.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect([...sources]).toEqual(['open-slots']);
      expect(got.map((s) => [Date.parse(s.startsAt), Date.parse(s.endsAt), s.doctor.id])).toEqual(want);
      // The computed statement (used beyond the table's dates) finds the very same slots.
      const params = new URLSearchParams(query);
      const computed = await run<{ startsAt: string; endsAt: string; doctorId: number }>(sql, SEARCH_AVAILABILITY, [
        params.get('specialization'), params.get('city'), params.get('clinicId') && Number(params.get('clinicId')), params.get('doctorId') && Number(params.get('doctorId')),
        from, to, new Date().toISOString(), '-infinity', 0, 10_000,
      ]);
      expect(computed.map((s) => [Date.parse(s.startsAt), Date.parse(s.endsAt), s.doctorId])).toEqual(want);
    }
  });

  it('a search is one SQL statement, cached until a booking or cancellation touches it', async () => {
    const counter = await startStatementCounter(cloud.databaseUrl);
    const replica = await startTestCloud({ databaseUrl: counter.url });
    try {
      const doctorId = await makeDoctor(cloud, admin, clinicId, 'counted');
      const [patientId] = await makePatients(sql, 'CNT-', 1);
      const token = (await signIn(replica.url, (await addUser(replica.service, 'nurse')).username)).accessToken;
      const statementsOf = async (path: string) => {
        const before = counter.statements();
        const r = await api<Page<Slot>>(replica.url, path, { token });
        expect(r.status).toBe(200);
        // What the request sent, without the replica's buffered writers: they flush on their own
        // timer, which on a busy machine can fire while any request is under way.
        const texts = counter.texts().slice(before).filter((text) => !BUFFERED_WRITES.test(text));
        return { statements: texts.length, texts, cache: r.headers.get('x-availability-cache'), source: r.headers.get('x-availability-source'), items: r.body.items };
      };
      const first = await statementsOf(`/v1/availability?specialization=counted&city=Springfield&from=${MONDAY}&to=${addDays(MONDAY, 4)}&limit=100`);
      expect(first).toMatchObject({ statements: 1, cache: 'miss', source: 'computed' });
      // Within the table of open slots' weeks, one statement too.
      const soon = await statementsOf(`/v1/availability?specialization=counted&city=Springfield&from=${SOON_MONDAY}&to=${addDays(SOON_MONDAY, 4)}&limit=100`);
      expect(soon).toMatchObject({ statements: 1, cache: 'miss', source: 'open-slots' });
      expect(soon.items).toHaveLength(30);
      expect(first.items).toHaveLength(30);
      expect(await statementsOf(`/v1/availability?specialization=counted&city=Springfield&from=${MONDAY}&to=${addDays(MONDAY, 4)}&limit=100`)).toMatchObject({ statements: 0, cache: 'hit' });
      const other = await statementsOf(`/v1/availability?specialization=counted&from=${addDays(MONDAY, 1)}&to=${addDays(MONDAY, 1)}&limit=5`);
      expect(other).toMatchObject({ statements: 1, cache: 'miss' });
      // A booking on this replica drops the entries covering that doctor and day at once.
      const booked = await api(replica.url, '/v1/appointments', { method: 'POST', token, body: { doctorId, patientId, startsAt: at(MONDAY, '09:00'), endsAt: at(MONDAY, '09:30') } });
      expect(booked.status).toBe(201);
      const after = await statementsOf(`/v1/availability?specialization=counted&city=Springfield&from=${MONDAY}&to=${addDays(MONDAY, 4)}&limit=100`);
      expect(after).toMatchObject({ statements: 1, cache: 'miss' });
      expect(after.items).toHaveLength(29);
      // A page of another day is still cached: the change did not touch it.
      expect((await statementsOf(`/v1/availability?specialization=counted&from=${addDays(MONDAY, 1)}&to=${addDays(MONDAY, 1)}&limit=5`)).cache).toBe('hit');
    } finally {
      await replica.service.close();
      await counter.close();
    }
  });

  it('a booking or cancellation on one replica invalidates the cached search of another; a refused one announces nothing', async () => {
    const b = await startTestCloud({ databaseUrl: cloud.databaseUrl });
    try {
      const doctorId = await makeDoctor(cloud, admin, clinicId, 'replicated');
      const otherDoctor = await makeDoctor(cloud, admin, clinicId, 'replicated-too');
      const [patientId, otherPatient] = await makePatients(sql, 'REP-', 2);
      const tokenB = (await signIn(b.url, (await addUser(b.service, 'nurse')).username)).accessToken;
      const search = `/v1/availability?specialization=replicated&city=Springfield&from=${MONDAY}&to=${MONDAY}`;
      expect((await api<Page<Slot>>(b.url, search, { token: tokenB })).body.items).toHaveLength(6);
      expect((await api(b.url, search, { token: tokenB })).headers.get('x-availability-cache')).toBe('hit');

      // What replica b hears, in order; `heard(n)` resolves once it has heard n changes.
      const notices: Array<{ doctorId: number; day: string | null }> = [];
      const waiting: Array<{ count: number; resolve: () => void }> = [];
      await b.service.ctx.bus.subscribe('booking_availability', (payload) => {
        notices.push(JSON.parse(payload) as { doctorId: number; day: string | null });
        for (const w of waiting.filter((w) => notices.length >= w.count)) w.resolve();
      });
      const heard = (count: number) => new Promise<void>((resolve) => (notices.length >= count ? resolve() : waiting.push({ count, resolve })));
      const booked = await api<Appointment>(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId, startsAt: at(MONDAY, '10:00'), endsAt: at(MONDAY, '10:30') } });
      expect(booked.status).toBe(201);
      await heard(1);
      const afterBooking = await api<Page<Slot>>(b.url, search, { token: tokenB });
      expect(afterBooking.headers.get('x-availability-cache')).toBe('miss');
      expect(afterBooking.body.items.map((s) => s.startsAt)).not.toContain(`${MONDAY}T10:00:00.000000Z`);

      // Refused by the database (the slot is taken; the patient is busy then): nothing announced.
      // Then a cancellation: the next notice b hears is that one.
      const taken = await api(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId, patientId: otherPatient, startsAt: at(MONDAY, '10:00'), endsAt: at(MONDAY, '10:30') } });
      expect(taken.status).toBe(409);
      const busy = await api(cloud.url, '/v1/appointments', { method: 'POST', token: nurse, body: { doctorId: otherDoctor, patientId, startsAt: at(MONDAY, '10:00'), endsAt: at(MONDAY, '10:30') } });
      expect(busy.status).toBe(409);
      await api(cloud.url, `/v1/appointments/${booked.body.id}/cancel`, { method: 'POST', token: nurse });
      await heard(2);
      expect(notices).toEqual([expect.objectContaining({ doctorId, day: MONDAY }), expect.objectContaining({ doctorId, day: MONDAY })]);
      expect((await api<Page<Slot>>(b.url, search, { token: tokenB })).body.items).toHaveLength(6);
    } finally {
      await b.service.close();
    }
  });

  it('history, doctor-day and search statements use their indexes (EXPLAIN of the SQL constants)', async () => {
    await sql`ANALYZE`;
    // The test tables are tiny (a few hundred rows), where a sequential scan is the planner's
    // honest choice; enable_seqscan = off asks it to show the index path that real sizes take.
    await sql.begin(async (tx) => {
      await tx`SET LOCAL enable_seqscan = off`;
      const plan = async (text: string, params: unknown[]) => {
        const [row] = await tx.unsafe<[{ 'QUERY PLAN': [{ Plan: unknown }] }]>(`EXPLAIN (FORMAT JSON) ${text}`, params as never[]);
        return indexesIn(row!['QUERY PLAN'][0].Plan);
      };
      const history = await plan(PATIENT_HISTORY, [1, new Date().toISOString(), 0, '-infinity', 0, 21, 'infinity', '9223372036854775807']);
      expect(history).toContain('appointments_patient_start');
      expect(await plan(DOCTOR_DAY, [1, MONDAY, '-infinity', 0, 21])).toContain('appointments_doctor_start');
      // Computed (beyond the table): candidates by index, then each one's busy time and blocks.
      expect(await plan(SEARCH_AVAILABILITY, ['cardiology', 'Springfield', null, null, MONDAY, addDays(MONDAY, 6), new Date().toISOString(), '-infinity', 0, 21])).toContain('doctors_specialization_clinic');
      // Their plans on seed-like data (open_slots_generate, the table of open slots): test/cloud/seed.test.ts.
    });
  });
});
