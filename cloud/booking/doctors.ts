import type { Sql, TransactionSql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import type { AvailabilityChange } from './availability-cache.js';
import { isTimezone, validateWeeklySchedule, type WeeklyBlock } from './slots.js';

export interface Clinic {
  readonly id: number;
  readonly name: string;
  readonly city: string;
  readonly timezone: string;
}

export interface Doctor {
  readonly id: number;
  readonly userId: number | null;
  readonly name: string;
  readonly specialization: string;
  readonly consultationFeeCents: number;
  readonly email: string | null;
  readonly clinic: Clinic;
}

const DOCTOR_COLUMNS = `d.id, d.user_id AS "userId", d.name, d.specialization, d.consultation_fee_cents AS "consultationFeeCents", d.email,
       c.id AS "clinicId", c.name AS "clinicName", c.city, c.timezone`;

/** Doctors by id, optionally of one specialization / city / clinic (doctors_specialization_clinic, clinics_city). */
export const LIST_DOCTORS = `
SELECT ${DOCTOR_COLUMNS}
FROM doctors d JOIN clinics c ON c.id = d.clinic_id
WHERE ($1::text IS NULL OR d.specialization = $1::text) AND ($2::text IS NULL OR c.city = $2::text) AND ($3::bigint IS NULL OR d.clinic_id = $3::bigint)
  AND d.id > $4::bigint
ORDER BY d.id
LIMIT $5`;

const GET_DOCTOR = `SELECT ${DOCTOR_COLUMNS} FROM doctors d JOIN clinics c ON c.id = d.clinic_id WHERE d.id = $1`;

interface DoctorRow {
  id: number;
  userId: number | null;
  name: string;
  specialization: string;
  consultationFeeCents: number;
  email: string | null;
  clinicId: number;
  clinicName: string;
  city: string;
  timezone: string;
}

const toDoctor = (r: DoctorRow): Doctor => ({
  id: r.id, userId: r.userId, name: r.name, specialization: r.specialization, consultationFeeCents: r.consultationFeeCents, email: r.email,
  clinic: { id: r.clinicId, name: r.clinicName, city: r.city, timezone: r.timezone },
});

/** Clinics, doctors, weekly schedules and exceptions (what an administrator maintains). */
export class Doctors {
  constructor(
    private readonly sql: Sql,
    /** Schedule and exception changes alter availability on every day: the cache must hear of them. */
    private readonly publish: (change: AvailabilityChange, tx: TransactionSql) => Promise<void>,
  ) {}

  async createClinic(input: { name: string; city: string; timezone: string }): Promise<Clinic> {
    if (!isTimezone(input.timezone)) throw new ApiError('invalid_request', `unknown time zone: ${input.timezone}`);
    const [row] = await this.sql<Clinic[]>`INSERT INTO clinics (name, city, timezone) VALUES (${input.name}, ${input.city}, ${input.timezone}) RETURNING id, name, city, timezone`;
    return row!;
  }

  async createDoctor(input: { name: string; specialization: string; clinicId: number; consultationFeeCents: number; email?: string; userId?: number }): Promise<Doctor> {
    try {
      const [{ id }] = await this.sql<[{ id: number }]>`
        INSERT INTO doctors (user_id, name, specialization, clinic_id, consultation_fee_cents, email)
        VALUES (${input.userId ?? null}, ${input.name}, ${input.specialization}, ${input.clinicId}, ${input.consultationFeeCents}, ${input.email ?? null})
        RETURNING id`;
      return (await this.get(id))!;
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw new ApiError((error as { constraint_name?: string }).constraint_name?.includes('clinic') ? 'clinic_not_found' : 'invalid_request', 'the clinic or the user does not exist');
      }
      throw error;
    }
  }

  async get(id: number): Promise<Doctor | null> {
    const [row] = await run<DoctorRow>(this.sql, GET_DOCTOR, [id]);
    return row ? toDoctor(row) : null;
  }

  async list(filter: { specialization?: string; city?: string; clinicId?: number }, cursor: string | undefined, limit: number): Promise<{ items: Doctor[]; nextCursor: string | null }> {
    const after = decodeCursor(cursor, ['number']);
    const rows = await run<DoctorRow>(this.sql, LIST_DOCTORS, [filter.specialization ?? null, filter.city ?? null, filter.clinicId ?? null, after?.[0] ?? 0, limit + 1]);
    const items = rows.slice(0, limit).map(toDoctor);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }

  async schedule(doctorId: number): Promise<WeeklyBlock[]> {
    return this.sql<WeeklyBlock[]>`
      SELECT weekday, to_char(starts, 'HH24:MI') AS starts, to_char(ends, 'HH24:MI') AS ends, slot_minutes AS "slotMinutes"
      FROM doctor_schedules WHERE doctor_id = ${doctorId} ORDER BY weekday, starts`;
  }

  /** Replaces the whole weekly schedule. Booked appointments stay as they are. */
  async setSchedule(doctorId: number, blocks: readonly WeeklyBlock[]): Promise<WeeklyBlock[]> {
    const problem = validateWeeklySchedule(blocks);
    if (problem) throw new ApiError('invalid_request', problem);
    const doctor = await this.get(doctorId);
    if (!doctor) throw new ApiError('doctor_not_found', `no doctor with id ${doctorId}`);
    await this.sql.begin(async (tx) => {
      // One schedule writer per doctor: two replacements at once would both insert their blocks.
      await tx`SELECT 1 FROM doctors WHERE id = ${doctorId} FOR NO KEY UPDATE`;
      await tx`DELETE FROM doctor_schedules WHERE doctor_id = ${doctorId}`;
      if (blocks.length > 0) {
        await tx`
          INSERT INTO doctor_schedules (doctor_id, weekday, starts, ends, slot_minutes)
          SELECT ${doctorId}, * FROM unnest(${blocks.map((b) => b.weekday)}::smallint[], ${blocks.map((b) => b.starts)}::time[], ${blocks.map((b) => b.ends)}::time[], ${blocks.map((b) => b.slotMinutes)}::int[])`;
      }
      await this.publish(changeOf(doctor), tx);
    });
    return this.schedule(doctorId);
  }

  async addException(doctorId: number, input: { startsAt: string; endsAt: string; reason: 'leave' | 'holiday' | 'other' }): Promise<{ id: number; startsAt: string; endsAt: string; reason: string }> {
    if (!(Date.parse(input.endsAt) > Date.parse(input.startsAt))) throw new ApiError('invalid_request', 'endsAt must be after startsAt');
    const doctor = await this.get(doctorId);
    if (!doctor) throw new ApiError('doctor_not_found', `no doctor with id ${doctorId}`);
    const [row] = await this.sql.begin(async (tx) => {
      const rows = await tx<Array<{ id: number }>>`
        INSERT INTO schedule_exceptions (doctor_id, during, reason) VALUES (${doctorId}, tstzrange(${input.startsAt}::timestamptz, ${input.endsAt}::timestamptz, '[)'), ${input.reason}) RETURNING id`;
      await this.publish(changeOf(doctor), tx);
      return rows;
    });
    return { id: row!.id, startsAt: new Date(input.startsAt).toISOString(), endsAt: new Date(input.endsAt).toISOString(), reason: input.reason };
  }
}

function changeOf(doctor: Doctor): AvailabilityChange {
  return { doctorId: doctor.id, specialization: doctor.specialization, clinicId: doctor.clinic.id, city: doctor.clinic.city, day: null };
}
