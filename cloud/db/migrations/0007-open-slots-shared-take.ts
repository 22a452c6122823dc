import type { Migration } from '../migration.js';

/**
 * Bookings of one doctor no longer queue behind each other. Migration 5 took the doctor's lock
 * exclusively for every write, so each booking held it from its INSERT to its commit (the
 * notification and video hooks and the commit itself included) and every other booking of that
 * doctor waited: a popular doctor's bookings ran one at a time.
 *
 * Taking slots only deletes rows, and two takes cannot miss each other: overlapping appointments
 * of one doctor are already serialized by the exclusion constraint, and two takes that delete
 * the same slot row meet on its row lock. What the lock must order is a take against a
 * regeneration (a cancellation, a deleted exception, a moved appointment, a schedule, doctor or
 * clinic change, the daily extension), which rebuilds days from a snapshot that must include
 * every take. So a take now holds the lock shared, and regenerations keep holding it exclusively.
 *
 * The one new case: a transaction that first takes and then regenerates on the same doctor
 * (several statements of an administrator's SQL) upgrades the lock and may meet another doing the
 * same; PostgreSQL detects that deadlock and aborts one of them, which can be retried.
 */
export const migration: Migration = {
  id: 7,
  name: 'open-slots-shared-take',
  sql: `
-- Many takes of one doctor at a time; none while that doctor's days are regenerated.
CREATE FUNCTION open_slots_lock_shared(p_doctor bigint) RETURNS void LANGUAGE sql AS $fn$
  SELECT pg_advisory_xact_lock_shared(1869571449, (p_doctor % 2147483647)::int)
$fn$;

CREATE OR REPLACE FUNCTION open_slots_take(p_doctor bigint, p_during tstzrange) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF isempty(p_during) THEN RETURN; END IF;
  PERFORM open_slots_lock_shared(p_doctor);
  -- Slots last at most 240 minutes (doctor_schedules.slot_minutes), which bounds the index range.
  DELETE FROM open_slots o
  WHERE o.doctor_id = p_doctor
    AND o.starts_at > coalesce(lower(p_during), '-infinity') - interval '240 minutes'
    AND o.starts_at < coalesce(upper(p_during), 'infinity')
    AND tstzrange(o.starts_at, o.ends_at) && p_during;
END
$fn$;
`,
};
