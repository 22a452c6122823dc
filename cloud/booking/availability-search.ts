import type { Sql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';

const UTC_TEXT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The page's slots (subquery `page`) with their doctor and clinic: joined for the page only. */
const WITH_DOCTORS = `
SELECT ${UTC_TEXT('page.starts_at')} AS "startsAt", ${UTC_TEXT('page.ends_at')} AS "endsAt", page.slot_minutes AS "slotMinutes",
       d.id AS "doctorId", d.name AS "doctorName", d.specialization, d.consultation_fee_cents AS "consultationFeeCents",
       c.id AS "clinicId", c.name AS "clinicName", c.city, c.timezone
FROM page JOIN doctors d ON d.id = page.doctor_id JOIN clinics c ON c.id = page.clinic_id
ORDER BY page.starts_at, page.doctor_id`;

/** Which index range a search of the table of open slots reads: the most selective place named. */
export type SearchPlace = 'doctor' | 'city' | 'clinic' | 'specialization';

export function placeOf(criteria: SearchCriteria): SearchPlace {
  if (criteria.doctorId !== null) return 'doctor';
  if (criteria.city !== null) return 'city';
  if (criteria.clinicId !== null) return 'clinic';
  return 'specialization';
}

/** The equality each place adds so that its index range is the whole condition (see below). */
const PLACE_RANGE: Record<SearchPlace, string> = {
  doctor: 'AND o.doctor_id = $4::bigint', // primary key (doctor_id, starts_at)
  city: 'AND o.city = $2::text', // open_slots_specialization_city
  clinic: 'AND o.city = (SELECT c.city FROM clinics c WHERE c.id = $3::bigint)', // its city's range, filtered
  specialization: '', // open_slots_specialization
};

/**
 * Free slots from the table of open slots (migration 5), for local dates it keeps: one index
 * range chosen by the place named (PLACE_RANGE), read in time order from the keyset cursor ($8,
 * $9) and stopped after the page.
 * - The range starts when local date $5 begins in the earliest clinic time zone and ends when $6
 *   ends in the latest, so a specialization alone does not read a day of other dates first; the
 *   local dates themselves are checked on the rows read.
 * - Every lower bound on starts_at is a plain comparison (the cursor's tie on equal times is a
 *   filter), so the B-tree starts at the greatest of them; a row comparison among them made it
 *   start at "now" and step over every earlier slot.
 * - The other criteria stay as null-guarded filters. Parameters as SEARCH_AVAILABILITY.
 */
function searchOpenSlots(place: SearchPlace): string {
  return `
WITH zones AS MATERIALIZED (
  SELECT min($5::date::timestamp AT TIME ZONE z.timezone) AS first_start, max(($6::date + 1)::timestamp AT TIME ZONE z.timezone) AS last_end
  FROM (SELECT DISTINCT c.timezone FROM clinics c) z
),
page AS (
  SELECT o.doctor_id, o.clinic_id, o.starts_at, o.ends_at, o.slot_minutes
  FROM open_slots o
  WHERE o.specialization = $1 ${PLACE_RANGE[place]}
    AND o.starts_at >= (SELECT first_start FROM zones)
    AND o.starts_at < (SELECT last_end FROM zones)
    AND o.starts_at > $7::text::timestamptz
    AND o.starts_at >= $8::text::timestamptz
    AND (o.starts_at > $8::text::timestamptz OR o.doctor_id > $9::bigint)
    AND o.local_date BETWEEN $5::date AND $6::date
    AND ($2::text IS NULL OR o.city = $2::text)
    AND ($3::bigint IS NULL OR o.clinic_id = $3::bigint)
    AND ($4::bigint IS NULL OR o.doctor_id = $4::bigint)
  ORDER BY o.starts_at, o.doctor_id
  LIMIT $10
)${WITH_DOCTORS}`;
}

export const SEARCH_OPEN_SLOTS: Record<SearchPlace, string> = {
  doctor: searchOpenSlots('doctor'),
  city: searchOpenSlots('city'),
  clinic: searchOpenSlots('clinic'),
  specialization: searchOpenSlots('specialization'),
};

/**
 * Free slots computed from the schedules, for dates beyond the table: the candidate doctors
 * (index doctors_specialization_clinic) given to open_slots_generate (migration 5, the one
 * definition of a free slot: busy time once per doctor through the exclusion indexes, weekly
 * blocks cut per local date of the clinic; run as a function, since its argument is a
 * sub-select, so EXPLAIN shows its plan only for FREE_SLOTS_OF_DOCTORS), after the keyset cursor
 * ($8, $9), by time then doctor. The cursor has a sentinel ('-infinity', 0) on the first page so
 * that no "IS NULL OR" hides it from the planner.
 */
export const SEARCH_AVAILABILITY = `
WITH page AS (
  SELECT g.doctor_id, g.clinic_id, g.starts_at, g.ends_at, g.slot_minutes
  FROM open_slots_generate(ARRAY(
         SELECT d.id FROM doctors d JOIN clinics c ON c.id = d.clinic_id
         WHERE d.specialization = $1
           AND ($2::text IS NULL OR c.city = $2::text)
           AND ($3::bigint IS NULL OR d.clinic_id = $3::bigint)
           AND ($4::bigint IS NULL OR d.id = $4::bigint)), $5::date, $6::date) g
  WHERE g.starts_at > $7::text::timestamptz
    AND (g.starts_at, g.doctor_id) > ($8::text::timestamptz, $9::bigint)
  ORDER BY g.starts_at, g.doctor_id
  LIMIT $10
)${WITH_DOCTORS}`;

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

/** Where a page came from: the table of open slots, or computed from the schedules. */
export type SlotSource = 'open-slots' | 'computed';

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

/**
 * Runs the one search statement: from the table of open slots when it covers the dates asked,
 * computed otherwise (the same slots, more work).
 */
export class AvailabilitySearch {
  constructor(
    private readonly sql: Sql,
    /** Local date through which the table of open slots is complete (OpenSlots.through). */
    private readonly tableThrough: () => string | null = () => null,
  ) {}

  async page(criteria: SearchCriteria, cursor: string | undefined, limit: number, now: Date): Promise<SlotPage & { source: SlotSource }> {
    const after = decodeCursor(cursor, ['string', 'number']);
    if (after && Number.isNaN(Date.parse(String(after[0])))) throw new ApiError('invalid_request', 'cursor is not one this service made');
    const through = this.tableThrough();
    const source: SlotSource = through !== null && criteria.to <= through ? 'open-slots' : 'computed';
    const statement = source === 'open-slots' ? SEARCH_OPEN_SLOTS[placeOf(criteria)] : SEARCH_AVAILABILITY;
    const rows = await run<Row>(this.sql, statement, [
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
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.startsAt, last.doctor.id]) : null, source };
  }
}
