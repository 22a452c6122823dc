import type { Sql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * A patient's appointments: upcoming ones (start >= the pivot $2) soonest first, then past ones
 * latest first, both keyset on (start, id) through appointments_patient_start; doctor and clinic
 * are joined to the (at most 2 × limit) rows after the limits, by primary key. $3 = 1 once the
 * cursor has left the upcoming part. The pivot ("now" of the first page) travels in the cursor,
 * so an appointment that starts while someone pages is neither repeated nor skipped.
 */
export const PATIENT_HISTORY = `
SELECT a.id, a.status, a.mode, ${ISO('lower(a.during)')} AS "startsAt", ${ISO('upper(a.during)')} AS "endsAt",
       d.id AS "doctorId", d.name AS "doctorName", d.specialization, c.id AS "clinicId", c.name AS "clinicName", c.city, a.seg
FROM (
  (SELECT id, doctor_id, status, mode, during, 0 AS seg FROM appointments
   WHERE patient_id = $1 AND lower(during) >= $2::text::timestamptz AND $3::int = 0
     AND (lower(during), id) > ($4::text::timestamptz, $5::bigint)
   ORDER BY lower(during), id
   LIMIT $6)
  UNION ALL
  (SELECT id, doctor_id, status, mode, during, 1 AS seg FROM appointments
   WHERE patient_id = $1 AND lower(during) < $2::text::timestamptz
     AND (lower(during), id) < ($7::text::timestamptz, $8::bigint)
   ORDER BY lower(during) DESC, id DESC
   LIMIT $6)
) a
JOIN doctors d ON d.id = a.doctor_id
JOIN clinics c ON c.id = d.clinic_id`;

/** A doctor's appointments on one local date of the clinic, by start (appointments_doctor_start). */
export const DOCTOR_DAY = `
WITH doc AS (
  SELECT d.id, c.timezone FROM doctors d JOIN clinics c ON c.id = d.clinic_id WHERE d.id = $1
)
SELECT a.id, a.status, a.mode, ${ISO('lower(a.during)')} AS "startsAt", ${ISO('upper(a.during)')} AS "endsAt",
       p.id AS "patientId", p.mrn, p.name AS "patientName"
FROM doc
JOIN appointments a ON a.doctor_id = doc.id
  AND lower(a.during) >= ($2::date::timestamp AT TIME ZONE doc.timezone)
  AND lower(a.during) < (($2::date + 1)::timestamp AT TIME ZONE doc.timezone)
  AND (lower(a.during), a.id) > ($3::text::timestamptz, $4::bigint)
JOIN patients p ON p.id = a.patient_id
ORDER BY lower(a.during), a.id
LIMIT $5`;

const MAX_ID = '9223372036854775807';

export interface HistoryItem {
  readonly id: number;
  readonly status: string;
  readonly mode: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly doctor: { id: number; name: string; specialization: string };
  readonly clinic: { id: number; name: string; city: string };
  readonly upcoming: boolean;
}

export interface DayItem {
  readonly id: number;
  readonly status: string;
  readonly mode: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly patient: { id: number; mrn: string; name: string };
}

interface HistoryRow {
  id: number;
  status: string;
  mode: string;
  startsAt: string;
  endsAt: string;
  doctorId: number;
  doctorName: string;
  specialization: string;
  clinicId: number;
  clinicName: string;
  city: string;
  seg: number;
}

function sqlTimeError(error: unknown): never {
  if (['22007', '22008'].includes((error as { code?: string }).code ?? '')) throw new ApiError('invalid_request', 'cursor is not one this service made');
  throw error;
}

export class AppointmentHistory {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async patient(patientId: number, cursor: string | undefined, limit: number): Promise<{ items: HistoryItem[]; nextCursor: string | null }> {
    const after = decodeCursor(cursor, ['string', 'number', 'string', 'number']);
    const pivot = after ? String(after[0]) : new Date(this.now()).toISOString();
    const seg = after ? Number(after[1]) : 0;
    if (seg !== 0 && seg !== 1) throw new ApiError('invalid_request', 'cursor is not one this service made');
    const upcomingAfter = after && seg === 0 ? [after[2], after[3]] : ['-infinity', 0];
    const pastBefore = after && seg === 1 ? [after[2], after[3]] : ['infinity', MAX_ID];
    const rows = await run<HistoryRow>(this.sql, PATIENT_HISTORY, [patientId, pivot, seg, upcomingAfter[0], upcomingAfter[1], limit + 1, pastBefore[0], pastBefore[1]]).catch(sqlTimeError);
    const upcoming = rows.filter((r) => r.seg === 0).sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id - b.id);
    const past = rows.filter((r) => r.seg === 1).sort((a, b) => b.startsAt.localeCompare(a.startsAt) || b.id - a.id);
    const ordered = [...upcoming, ...past];
    const page = ordered.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id, status: r.status, mode: r.mode, startsAt: r.startsAt, endsAt: r.endsAt,
        doctor: { id: r.doctorId, name: r.doctorName, specialization: r.specialization },
        clinic: { id: r.clinicId, name: r.clinicName, city: r.city },
        upcoming: r.seg === 0,
      })),
      nextCursor: ordered.length > limit && last ? encodeCursor([pivot, last.seg, last.startsAt, last.id]) : null,
    };
  }

  async doctorDay(doctorId: number, date: string, cursor: string | undefined, limit: number): Promise<{ items: DayItem[]; nextCursor: string | null }> {
    const after = decodeCursor(cursor, ['string', 'number']);
    const rows = await run<{ id: number; status: string; mode: string; startsAt: string; endsAt: string; patientId: number; mrn: string; patientName: string }>(
      this.sql, DOCTOR_DAY, [doctorId, date, after?.[0] ?? '-infinity', after?.[1] ?? 0, limit + 1],
    ).catch(sqlTimeError);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ id: r.id, status: r.status, mode: r.mode, startsAt: r.startsAt, endsAt: r.endsAt, patient: { id: r.patientId, mrn: r.mrn, name: r.patientName } })),
      nextCursor: rows.length > limit && last ? encodeCursor([last.startsAt, last.id]) : null,
    };
  }
}
