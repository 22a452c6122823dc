import type { Sql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';

/**
 * Free slots with their doctor and clinic, in ONE statement (no N+1): the candidate doctors
 * (index doctors_specialization_clinic) each with one multirange of busy time over the window
 * (non-cancelled appointments through the doctor's exclusion index, plus exceptions through
 * theirs, computed once per doctor), their weekly blocks cut into slots for each local date, the
 * slots overlapping nothing after the keyset cursor ($8, $9), by time then doctor. Local dates are
 * the clinic's; the cursor has a sentinel ('-infinity', 0) on the first page so that no
 * "IS NULL OR" hides it from the planner. Every slot row carries its doctor's columns, so there is
 * no join back to the candidates (a re-scanned aggregate there cost 40 ms at full scale).
 */
export const SEARCH_AVAILABILITY = `
WITH doc AS (
  SELECT d.id, d.name, d.specialization, d.consultation_fee_cents, c.id AS clinic_id, c.name AS clinic_name, c.city, c.timezone,
         tstzrange($5::date::timestamp AT TIME ZONE c.timezone, ($6::date + 1)::timestamp AT TIME ZONE c.timezone) AS window
  FROM doctors d JOIN clinics c ON c.id = d.clinic_id
  WHERE d.specialization = $1
    AND ($2::text IS NULL OR c.city = $2::text)
    AND ($3::bigint IS NULL OR d.clinic_id = $3::bigint)
    AND ($4::bigint IS NULL OR d.id = $4::bigint)
),
cand AS MATERIALIZED (
  SELECT doc.*,
         (SELECT range_agg(b.during) FROM (
            SELECT a.during FROM appointments a WHERE a.doctor_id = doc.id AND a.status <> 'cancelled' AND a.during && doc.window
            UNION ALL
            SELECT e.during FROM schedule_exceptions e WHERE e.doctor_id = doc.id AND e.during && doc.window) b) AS busy
  FROM doc
),
slot AS (
  SELECT cand.*, s.slot_minutes,
         (day + s.starts + k * make_interval(mins => s.slot_minutes)) AT TIME ZONE cand.timezone AS starts_at,
         (day + s.starts + (k + 1) * make_interval(mins => s.slot_minutes)) AT TIME ZONE cand.timezone AS ends_at
  FROM cand
  CROSS JOIN generate_series($5::date::timestamp, $6::date::timestamp, interval '1 day') AS day
  JOIN doctor_schedules s ON s.doctor_id = cand.id AND s.weekday = extract(isodow FROM day)
  CROSS JOIN generate_series(0, floor(extract(epoch FROM s.ends - s.starts) / 60 / s.slot_minutes)::int - 1) AS k
)
SELECT to_char(slot.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "startsAt",
       to_char(slot.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "endsAt",
       slot.slot_minutes AS "slotMinutes",
       slot.id AS "doctorId", slot.name AS "doctorName", slot.specialization, slot.consultation_fee_cents AS "consultationFeeCents",
       slot.clinic_id AS "clinicId", slot.clinic_name AS "clinicName", slot.city, slot.timezone
FROM slot
WHERE slot.starts_at > $7::text::timestamptz
  AND (slot.starts_at, slot.id) > ($8::text::timestamptz, $9::bigint)
  AND (slot.busy IS NULL OR NOT slot.busy && tstzrange(slot.starts_at, slot.ends_at))
ORDER BY slot.starts_at, slot.id
LIMIT $10`;

export interface SearchCriteria {
  readonly specialization: string;
  readonly city: string | null;
  readonly clinicId: number | null;
  readonly doctorId: number | null;
  /** Local dates (YYYY-MM-DD) of the clinics, inclusive. */
  readonly from: string;
  readonly to: string;
}

export interface AvailableSlot {
  readonly startsAt: string;
  readonly endsAt: string;
  readonly slotMinutes: number;
  readonly doctor: { id: number; name: string; specialization: string; consultationFeeCents: number };
  readonly clinic: { id: number; name: string; city: string; timezone: string };
}

export interface SlotPage {
  readonly items: AvailableSlot[];
  readonly nextCursor: string | null;
}

interface Row {
  startsAt: string;
  endsAt: string;
  slotMinutes: number;
  doctorId: number;
  doctorName: string;
  specialization: string;
  consultationFeeCents: number;
  clinicId: number;
  clinicName: string;
  city: string;
  timezone: string;
}

/** At most a month per search: the cost of a search grows with the days it covers. */
export const MAX_SEARCH_DAYS = 31;

export function checkCriteria(criteria: SearchCriteria): void {
  const days = (Date.parse(`${criteria.to}T00:00:00Z`) - Date.parse(`${criteria.from}T00:00:00Z`)) / 86_400_000;
  if (!Number.isFinite(days) || days < 0) throw new ApiError('invalid_request', '"to" must be a date on or after "from"');
  if (days + 1 > MAX_SEARCH_DAYS) throw new ApiError('invalid_request', `a search covers at most ${MAX_SEARCH_DAYS} days`);
}

/** Runs the one search statement. */
export class AvailabilitySearch {
  constructor(private readonly sql: Sql) {}

  async page(criteria: SearchCriteria, cursor: string | undefined, limit: number, now: Date): Promise<SlotPage> {
    const after = decodeCursor(cursor, ['string', 'number']);
    if (after && Number.isNaN(Date.parse(String(after[0])))) throw new ApiError('invalid_request', 'cursor is not one this service made');
    const rows = await run<Row>(this.sql, SEARCH_AVAILABILITY, [
      criteria.specialization, criteria.city, criteria.clinicId, criteria.doctorId, criteria.from, criteria.to,
      now.toISOString(), after?.[0] ?? '-infinity', after?.[1] ?? 0, limit + 1,
    ]);
    const items = rows.slice(0, limit).map((r) => ({
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      slotMinutes: r.slotMinutes,
      doctor: { id: r.doctorId, name: r.doctorName, specialization: r.specialization, consultationFeeCents: r.consultationFeeCents },
      clinic: { id: r.clinicId, name: r.clinicName, city: r.city, timezone: r.timezone },
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.startsAt, last.doctor.id]) : null };
  }
}
