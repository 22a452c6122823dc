import { Users } from '../auth/users.js';
import { OpenSlots } from '../booking/open-slots.js';
import { DEFAULT_AVAILABILITY_DAYS } from '../config.js';
import type { Sql } from '../db/sql.js';
import { CopyWriter } from './copy-stream.js';
import { CITIES, doctorBlocks, fillRate, futureStatus, mix, noonOffsetMs, PatientAssigner, pastStatus, personName, recordBody, SPECIALIZATIONS } from './seed-data.js';

export interface SeedSizes {
  readonly patients: number;
  readonly doctors: number;
  readonly appointments: number;
  readonly records: number;
  readonly clinics: number;
}

export interface SeedResult extends SeedSizes {
  readonly seconds: Record<string, number>;
  readonly totalSeconds: number;
  /** The generated patients and doctors have consecutive ids from these. */
  readonly firstPatientId: number;
  readonly firstDoctorId: number;
  /** The last local date (UTC) that has appointments; the future runs up to it. */
  readonly lastDay: string;
  /** The first administrator, made here when the database had no account (shown once). */
  readonly admin: { username: string; password: string } | null;
  /** Free slots put in the table of open slots. */
  readonly openSlots: number;
}

type Log = (line: string) => void;
const DAY = 86_400_000;
const FUTURE_DAYS = 56;
const RECORD_TYPES = ['diagnosis', 'prescription', 'lab', 'note'] as const;

/** The defaults: a tenth of the seeds' scale (500 k patients, 10 k doctors, 25 M appointments). */
export function defaultSizes(scale = 0.1): SeedSizes {
  const patients = Math.round(500_000 * scale);
  const doctors = Math.max(10, Math.round(10_000 * scale));
  return { patients, doctors, appointments: Math.round(25_000_000 * scale), records: patients * 4, clinics: Math.max(1, Math.round(doctors / 20)) };
}

/** Secondary indexes and foreign keys / exclusion constraints of a table, to drop before a bulk load and rebuild after. */
async function detachIndexes(sql: Sql, table: string): Promise<{ restore(log: Log): Promise<void> }> {
  const constraints = await sql<Array<{ name: string; def: string }>>`
    SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = ${table}::regclass AND contype IN ('f', 'x') ORDER BY conname`;
  const indexes = await sql<Array<{ name: string; def: string }>>`
    SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index
    WHERE indrelid = ${table}::regclass AND NOT indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid)`;
  for (const c of constraints) await sql.unsafe(`ALTER TABLE ${table} DROP CONSTRAINT ${c.name}`);
  for (const i of indexes) await sql.unsafe(`DROP INDEX ${i.name}`);
  return {
    async restore(log) {
      for (const i of indexes) {
        const t = Date.now();
        await sql.unsafe(i.def);
        log(`  index ${i.name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      for (const c of constraints) {
        const t = Date.now();
        await sql.unsafe(`ALTER TABLE ${table} ADD CONSTRAINT ${c.name} ${c.def}`);
        log(`  constraint ${c.name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
    },
  };
}

function progress(log: Log, what: string, total: number): (done: number) => void {
  const started = Date.now();
  let next = 0;
  return (done) => {
    if (done < next && done !== total) return;
    next = done + Math.max(1, Math.floor(total / 20));
    const seconds = (Date.now() - started) / 1000;
    log(`  ${what}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} (${Math.round(done / Math.max(seconds, 0.001)).toLocaleString('en-US')} rows/s)`);
  };
}

/**
 * Loads a seed-scale dataset with COPY into a migrated, empty booking schema: clinics, doctors
 * and schedules, patients, appointments (past and future, every status), medical records.
 * Indexes and constraints of the big tables are dropped during the load and rebuilt after it
 * (one sort each instead of 25 M insertions), then everything is vacuumed and analysed.
 */
export async function seedCloud(sql: Sql, sizes: SeedSizes, log: Log, now = Date.now(), availabilityDays = DEFAULT_AVAILABILITY_DAYS): Promise<SeedResult> {
  // The triggers that keep the table of open slots (migration 5) would run once for each of
  // millions of rows; the table is filled in one pass at the end instead, as the service does.
  const setTriggers = async (enabled: boolean) => {
    for (const [table, trigger] of OPEN_SLOT_TRIGGERS) await sql.unsafe(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
  };
  await setTriggers(false);
  let loaded: SeedResult;
  try {
    loaded = await loadSeed(sql, sizes, log, now);
  } finally {
    await setTriggers(true);
  }
  log('open slots ...');
  const run = await new OpenSlots(sql, availabilityDays, () => now).maintain();
  log(`open slots: ${run.seconds.toFixed(1)} s (${run.slotsAdded.toLocaleString('en-US')} free slots of ${run.doctors.toLocaleString('en-US')} doctors through ${run.target})`);
  await sql`VACUUM (ANALYZE) open_slots`;
  return { ...loaded, seconds: { ...loaded.seconds, 'open slots': run.seconds }, totalSeconds: loaded.totalSeconds + run.seconds, openSlots: run.slotsAdded };
}

const OPEN_SLOT_TRIGGERS = [
  ['doctors', 'doctors_open_slots'],
  ['doctor_schedules', 'doctor_schedules_open_slots_insert'],
  ['appointments', 'appointments_open_slots'],
] as const;

async function loadSeed(sql: Sql, sizes: SeedSizes, log: Log, now: number): Promise<SeedResult> {
  const started = Date.now();
  const seconds: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    log(`${name} ...`);
    const result = await fn();
    seconds[name] = (Date.now() - t) / 1000;
    log(`${name}: ${seconds[name]!.toFixed(1)} s`);
    return result;
  };
  const [{ count }] = await sql<[{ count: number }]>`SELECT (SELECT count(*) FROM appointments) + (SELECT count(*) FROM doctors) AS count`;
  if (count > 0) throw new Error('the database already has doctors or appointments: seed an empty one');
  const assigner = new PatientAssigner(sizes.doctors, sizes.patients);
  await sql`SET synchronous_commit = off`.catch(() => {});

  // The seed adds an account (the records' author); on a fresh database the first administrator
  // comes first, as the service's first start would make it, or nobody could sign in.
  const admin = await new Users(sql).bootstrapAdmin();
  const [{ id: authorId }] = await sql<[{ id: number }]>`
    INSERT INTO users (username, display_name, role, password_hash, disabled_at) VALUES ('seed-author', 'Seed Author', 'physician', '!', now())
    ON CONFLICT (username) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`;

  const clinics = await step('clinics', async () => {
    const rows = Array.from({ length: sizes.clinics }, (_, i) => ({ name: `Clinic ${i + 1}`, city: CITIES[i % CITIES.length]! }));
    return sql<Array<{ id: number; timezone: string }>>`
      INSERT INTO clinics (name, city, timezone)
      SELECT * FROM unnest(${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.city.name)}::text[], ${rows.map((r) => r.city.timezone)}::text[])
      RETURNING id, timezone`;
  });
  clinics.sort((a, b) => a.id - b.id);

  // Doctor i: specialization i mod 20, clinic (i / 20) mod clinics — each clinic a full team.
  const clinicOf = (d: number) => Math.floor(d / SPECIALIZATIONS.length) % clinics.length;
  const firstDoctorId = await step('doctors and schedules', async () => {
    const doctors = new CopyWriter(await sql`COPY doctors (name, specialization, clinic_id, consultation_fee_cents, email) FROM STDIN`.writable());
    for (let d = 0; d < sizes.doctors; d++) {
      await doctors.line(`Dr ${personName(d * 7 + 3)}\t${SPECIALIZATIONS[d % SPECIALIZATIONS.length]}\t${clinics[clinicOf(d)]!.id}\t${5000 + (d % 11) * 1000}\tdoctor${d}@clinic.example`);
    }
    await doctors.end();
    const [{ first }] = await sql<[{ first: number }]>`SELECT min(id) AS first FROM doctors`;
    const schedules = new CopyWriter(await sql`COPY doctor_schedules (doctor_id, weekday, starts, ends, slot_minutes) FROM STDIN`.writable());
    for (let d = 0; d < sizes.doctors; d++) {
      for (const b of doctorBlocks(d)) await schedules.line(`${first + d}\t${b.weekday}\t${b.startHour}:00\t${b.endHour}:00\t${b.slotMinutes}`);
    }
    await schedules.end();
    return first;
  });

  const firstPatientId = await step('patients', async () => {
    const report = progress(log, 'patients', sizes.patients);
    const writer = new CopyWriter(await sql`COPY patients (mrn, name, birth_date, email, phone, sex) FROM STDIN`.writable());
    for (let p = 0; p < sizes.patients; p++) {
      const r = mix(p, 1);
      const birth = new Date(Date.UTC(1930 + Math.floor(r * 90), Math.floor(mix(p, 2) * 12), 1 + Math.floor(mix(p, 3) * 28))).toISOString().slice(0, 10);
      await writer.line(`SEED-${String(p + 1).padStart(7, '0')}\t${personName(p)}\t${birth}\tpatient${p + 1}@mail.example\t+1555${String(p).padStart(7, '0')}\t${r < 0.5 ? 'female' : 'male'}`);
      if ((p & 0xffff) === 0) report(p);
    }
    await writer.end();
    report(sizes.patients);
    const [{ first, last }] = await sql<[{ first: number; last: number }]>`SELECT min(id) AS first, max(id) AS last FROM patients WHERE mrn LIKE 'SEED-%'`;
    if (last - first + 1 !== sizes.patients) throw new Error('patient ids are not consecutive; seed an empty database');
    return first;
  });

  // Appointments, doctor by doctor (a heap in doctor order builds the doctor's exclusion index
  // about three times faster), each doctor's days from 8 weeks ahead backwards until their share.
  const lastDayMs = Math.floor(now / DAY) * DAY + FUTURE_DAYS * DAY;
  await step('appointments', async () => {
    const detached = await detachIndexes(sql, 'appointments');
    const report = progress(log, 'appointments', sizes.appointments);
    const writer = new CopyWriter(await sql`COPY appointments (doctor_id, patient_id, during, status, mode, created_at, cancelled_at) FROM STDIN`.writable());
    const offsets = new Map<string, number>();
    const offsetOf = (day: number, zone: string) => {
      const key = `${day}/${zone}`;
      let offset = offsets.get(key);
      if (offset === undefined) offsets.set(key, (offset = noonOffsetMs(day, zone)));
      return offset;
    };
    let written = 0;
    for (let d = 0; d < sizes.doctors; d++) {
      const share = Math.floor(sizes.appointments / sizes.doctors) + (d < sizes.appointments % sizes.doctors ? 1 : 0);
      const blocks = doctorBlocks(d);
      const zone = clinics[clinicOf(d)]!.timezone;
      let mine = 0;
      for (let day = lastDayMs; mine < share && day > lastDayMs - 20 * 365 * DAY; day -= DAY) {
        const weekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
        const fill = fillRate(Math.floor((day - now) / DAY));
        for (const b of blocks) {
          if (b.weekday !== weekday) continue;
          const offset = offsetOf(day, zone);
          for (let m = b.startHour * 60; m + b.slotMinutes <= b.endHour * 60 && mine < share; m += b.slotMinutes) {
            const start = day + m * 60_000 - offset;
            if (mix(d, start / 60_000) >= fill) continue;
            const end = start + b.slotMinutes * 60_000;
            const r = mix(d + 1_000_003, start / 60_000);
            const status = start < now ? pastStatus(r) : futureStatus(r);
            const created = start - (1 + Math.floor(r * 30)) * DAY;
            const cancelled = status === 'cancelled' ? new Date(created + DAY).toISOString() : '\\N';
            await writer.line(
              `${firstDoctorId + d}\t${firstPatientId + assigner.patient(d, start)}\t[${new Date(start).toISOString()},${new Date(end).toISOString()})\t${status}\t${r < 0.2 ? 'video' : 'in_person'}\t${new Date(created).toISOString()}\t${cancelled}`,
            );
            mine++;
          }
        }
      }
      written += mine;
      report(written);
    }
    await writer.end();
    log('  rebuilding indexes and constraints of appointments');
    await sql`SET maintenance_work_mem = '512MB'`;
    await detached.restore(log);
  });

  await step('medical records', async () => {
    const detached = await detachIndexes(sql, 'medical_records');
    const report = progress(log, 'records', sizes.records);
    const writer = new CopyWriter(await sql`COPY medical_records (patient_id, type, author_id, created_at, body) FROM STDIN`.writable());
    for (let i = 0; i < sizes.records; i++) {
      const r = mix(i, 77);
      const type = RECORD_TYPES[Math.floor(mix(i, 78) * 4)]!;
      const patient = firstPatientId + Math.floor(mix(i, 79) * sizes.patients);
      const created = now - Math.floor(r * 3 * 365 * DAY);
      await writer.line(`${patient}\t${type}\t${authorId}\t${new Date(created).toISOString()}\t${recordBody(type, mix(i, 80)).replace(/\\/g, '\\\\')}`);
      if ((i & 0xffff) === 0) report(i);
    }
    await writer.end();
    report(sizes.records);
    await detached.restore(log);
  });

  // VACUUM as well as ANALYZE: rows loaded by COPY have no hint bits and are not in the visibility
  // map, so the first reads would write every page they touch, and autovacuum would take the
  // 2.5 M (or 25 M) inserted appointments in hand a minute later, while the service is in use.
  await step('vacuum analyze', async () => {
    await sql`VACUUM (ANALYZE)`;
  });
  const totalSeconds = (Date.now() - started) / 1000;
  return { ...sizes, seconds, totalSeconds, firstPatientId, firstDoctorId, lastDay: new Date(lastDayMs).toISOString().slice(0, 10), admin, openSlots: 0 };
}
