import type { Sql, TransactionSql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import type { AppointmentChange, AppointmentHook } from './appointment-events.js';
import type { AvailabilityChange } from './availability-cache.js';

const APPOINTMENT_COLUMNS = `ins.id, ins.doctor_id AS "doctorId", ins.patient_id AS "patientId", ins.status, ins.mode,
       to_char(lower(ins.during) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "startsAt",
       to_char(upper(ins.during) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "endsAt",
       doc.specialization, doc.clinic_id AS "clinicId", doc.city,
       to_char((lower(ins.during) AT TIME ZONE doc.timezone)::date, 'YYYY-MM-DD') AS "localDay"`;

/**
 * Books [$3, $4) with doctor $1 for patient $2, only inside the doctor's working hours on that
 * local day and outside any exception. Double booking is left to the exclusion constraints: two
 * racing transactions cannot both pass them, whatever was read before.
 */
export const BOOK_APPOINTMENT = `
WITH doc AS (
  SELECT d.id, d.specialization, d.clinic_id, c.city, c.timezone FROM doctors d JOIN clinics c ON c.id = d.clinic_id WHERE d.id = $1
),
ins AS (
  INSERT INTO appointments (doctor_id, patient_id, during, status, mode)
  SELECT doc.id, $2, tstzrange($3::text::timestamptz, $4::text::timestamptz, '[)'), 'scheduled', $5 FROM doc
  WHERE EXISTS (
      SELECT 1 FROM doctor_schedules s
      WHERE s.doctor_id = doc.id
        AND s.weekday = extract(isodow FROM $3::text::timestamptz AT TIME ZONE doc.timezone)
        AND ($3::text::timestamptz AT TIME ZONE doc.timezone)::time >= s.starts
        AND ($4::text::timestamptz AT TIME ZONE doc.timezone) <= ($3::text::timestamptz AT TIME ZONE doc.timezone)::date + s.ends)
    AND NOT EXISTS (SELECT 1 FROM schedule_exceptions e WHERE e.doctor_id = doc.id AND e.during && tstzrange($3::text::timestamptz, $4::text::timestamptz, '[)'))
  RETURNING *
)
SELECT ${APPOINTMENT_COLUMNS} FROM ins JOIN doc ON doc.id = ins.doctor_id`;

/** Moves a scheduled appointment to $2 (cancelled, completed, no_show). */
export const SET_APPOINTMENT_STATUS = `
WITH ins AS (
  UPDATE appointments SET status = $2, cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() END
  WHERE id = $1 AND status = 'scheduled'
  RETURNING *
), doc AS (
  SELECT d.id, d.specialization, d.clinic_id, c.city, c.timezone FROM doctors d JOIN clinics c ON c.id = d.clinic_id WHERE d.id = (SELECT doctor_id FROM ins)
)
SELECT ${APPOINTMENT_COLUMNS} FROM ins JOIN doc ON doc.id = ins.doctor_id`;

export const GET_APPOINTMENT = `
SELECT ins.id, ins.doctor_id AS "doctorId", ins.patient_id AS "patientId", ins.status, ins.mode,
       to_char(lower(ins.during) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "startsAt",
       to_char(upper(ins.during) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "endsAt"
FROM appointments ins WHERE ins.id = $1`;

export type AppointmentMode = 'in_person' | 'video';
export type AppointmentStatus = 'scheduled' | 'cancelled' | 'completed' | 'no_show';

export interface Appointment {
  readonly id: number;
  readonly doctorId: number;
  readonly patientId: number;
  readonly status: AppointmentStatus;
  readonly mode: AppointmentMode;
  readonly startsAt: string;
  readonly endsAt: string;
}

interface ChangedRow extends Appointment {
  specialization: string;
  clinicId: number;
  city: string;
  localDay: string;
}

export interface BookingRequest {
  readonly doctorId: number;
  readonly patientId: number;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly mode: AppointmentMode;
}

const MAX_MINUTES = 240;

/** Turns the driver's constraint errors into the catalogue's, naming the conflicting slot. */
export function translateBookingError(error: unknown, request: BookingRequest): never {
  const pg = error as { code?: string; constraint_name?: string; detail?: string };
  if (pg.code === '23P01') {
    // The database's detail (a range literal) stays out of the message: it is not for clients.
    if (pg.constraint_name === 'appointments_patient_no_overlap') {
      throw new ApiError('patient_busy', `patient ${request.patientId} already has an appointment overlapping ${request.startsAt}–${request.endsAt}`);
    }
    throw new ApiError('slot_taken', `doctor ${request.doctorId} is already booked at ${request.startsAt}–${request.endsAt}`);
  }
  if (pg.code === '23503') throw new ApiError('patient_not_found', `no patient with id ${request.patientId}`);
  if (pg.code === '23505') throw new ApiError('conflict', 'this appointment already exists');
  if (pg.code === '22007' || pg.code === '22008') throw new ApiError('invalid_request', 'startsAt and endsAt must be ISO-8601 times');
  throw error;
}

/**
 * Book, cancel, complete, no-show: each one transaction that also runs every appointment hook
 * (outbox, video rooms), so those happen if and only if the change commits. A booking or
 * cancellation is then announced (`onChanged`), after the commit.
 */
export class Appointments {
  constructor(
    private readonly sql: Sql,
    private readonly hooks: readonly AppointmentHook[],
    /**
     * Called after commit, before the answer: this replica's cache drops what the change touched
     * (read-your-writes) and the change is published to the others. Not inside the transaction: a
     * NOTIFY there makes the commit take PostgreSQL's database-wide notify lock and hold it through
     * the commit's WAL flush, so every booking of every doctor would commit one at a time.
     */
    private readonly onChanged: (change: AvailabilityChange) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  async book(request: BookingRequest): Promise<Appointment> {
    const start = Date.parse(request.startsAt);
    const end = Date.parse(request.endsAt);
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ApiError('invalid_request', 'startsAt and endsAt must be ISO-8601 times');
    if (end <= start) throw new ApiError('invalid_request', 'endsAt must be after startsAt');
    if (end - start > MAX_MINUTES * 60_000) throw new ApiError('invalid_request', `an appointment lasts at most ${MAX_MINUTES} minutes`);
    if (start <= this.now()) throw new ApiError('invalid_request', 'an appointment must start in the future');
    let row: ChangedRow;
    try {
      row = await this.sql.begin(async (tx) => {
        const [booked] = await run<ChangedRow>(tx, BOOK_APPOINTMENT, [request.doctorId, request.patientId, new Date(start).toISOString(), new Date(end).toISOString(), request.mode]);
        if (!booked) {
          const [doctor] = await tx`SELECT 1 FROM doctors WHERE id = ${request.doctorId}`;
          if (!doctor) throw new ApiError('doctor_not_found', `no doctor with id ${request.doctorId}`);
          throw new ApiError('outside_schedule', `doctor ${request.doctorId} does not work at ${request.startsAt}–${request.endsAt} (outside the weekly schedule or during leave)`);
        }
        await this.changed(tx, 'booked', booked);
        return booked;
      });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      translateBookingError(error, request);
    }
    await this.onChanged(availabilityChange(row));
    return publicAppointment(row);
  }

  /** cancelled frees the slot at once; completed and no_show keep it. */
  async setStatus(id: number, status: Exclude<AppointmentStatus, 'scheduled'>): Promise<Appointment> {
    const row = await this.sql.begin(async (tx) => {
      const [changed] = await run<ChangedRow>(tx, SET_APPOINTMENT_STATUS, [id, status]);
      if (!changed) {
        const [existing] = await run<Appointment>(tx, GET_APPOINTMENT, [id]);
        if (!existing) throw new ApiError('appointment_not_found', `no appointment with id ${id}`);
        throw new ApiError('appointment_not_scheduled', `appointment ${id} is ${existing.status}, not scheduled`);
      }
      await this.changed(tx, status === 'cancelled' ? 'cancelled' : status, changed);
      return changed;
    });
    if (status === 'cancelled') await this.onChanged(availabilityChange(row));
    return publicAppointment(row);
  }

  async get(id: number): Promise<Appointment | null> {
    const [row] = await run<Appointment>(this.sql, GET_APPOINTMENT, [id]);
    return row ?? null;
  }

  private async changed(tx: TransactionSql, kind: AppointmentChange['kind'], row: ChangedRow): Promise<void> {
    const change: AppointmentChange = {
      kind,
      appointment: { id: row.id, doctorId: row.doctorId, patientId: row.patientId, startsAt: new Date(row.startsAt), endsAt: new Date(row.endsAt), mode: row.mode },
    };
    for (const hook of this.hooks) await hook(tx, change);
  }
}

function availabilityChange(row: ChangedRow): AvailabilityChange {
  return { doctorId: row.doctorId, specialization: row.specialization, clinicId: row.clinicId, city: row.city, day: row.localDay };
}

function publicAppointment(row: ChangedRow): Appointment {
  return { id: row.id, doctorId: row.doctorId, patientId: row.patientId, status: row.status, mode: row.mode, startsAt: row.startsAt, endsAt: row.endsAt };
}
