import type { Migration } from '../migration.js';

/**
 * The body of open_slots_generate: free slots of the doctors $1 on local dates [$2, $3], each
 * doctor's busy time (non-cancelled appointments through the doctor's exclusion index, and
 * exceptions through theirs) computed once. A constant of its own so that tests can EXPLAIN it.
 * Part of a shipped migration: never edit it, write a new function in a new migration.
 */
export const FREE_SLOTS_OF_DOCTORS = `WITH doc AS (
  SELECT d.id, d.specialization, d.clinic_id, c.city, c.timezone,
         tstzrange($2::date::timestamp AT TIME ZONE c.timezone, ($3::date + 1)::timestamp AT TIME ZONE c.timezone) AS win
  FROM doctors d JOIN clinics c ON c.id = d.clinic_id
  WHERE d.id = ANY ($1::bigint[])
),
cand AS MATERIALIZED (
  SELECT doc.*,
         (SELECT range_agg(b.during) FROM (
            SELECT a.during FROM appointments a WHERE a.doctor_id = doc.id AND a.status <> 'cancelled' AND a.during && doc.win
            UNION ALL
            SELECT e.during FROM schedule_exceptions e WHERE e.doctor_id = doc.id AND e.during && doc.win) b) AS busy
  FROM doc
),
slot AS (
  SELECT cand.id, cand.specialization, cand.clinic_id, cand.city, cand.busy, day::date AS local_date, s.slot_minutes,
         (day + s.starts + k * make_interval(mins => s.slot_minutes)) AT TIME ZONE cand.timezone AS slot_start,
         (day + s.starts + (k + 1) * make_interval(mins => s.slot_minutes)) AT TIME ZONE cand.timezone AS slot_end
  FROM cand
  CROSS JOIN generate_series($2::date::timestamp, $3::date::timestamp, interval '1 day') AS day
  JOIN doctor_schedules s ON s.doctor_id = cand.id AND s.weekday = extract(isodow FROM day)
  CROSS JOIN generate_series(0, floor(extract(epoch FROM s.ends - s.starts) / 60 / s.slot_minutes)::int - 1) AS k
)
SELECT slot.id, slot.slot_start, slot.slot_end, slot.clinic_id, slot.local_date, slot.slot_minutes::smallint, slot.specialization, slot.city
FROM slot
WHERE slot.busy IS NULL OR NOT slot.busy && tstzrange(slot.slot_start, slot.slot_end)
`;

/**
 * Free slots kept as rows for the coming weeks, so that a search reads one index range in time
 * order and stops at the end of its page, however many doctors match (the review's C3 at scale).
 *
 * - `open_slots_generate` is the one definition of a free slot: the weekly blocks of a doctor cut
 *   into slots per local date of the clinic, minus non-cancelled appointments and exceptions.
 *   The materialization and the search beyond the horizon both use it.
 * - `open_slots` holds what it returns for local dates up to each doctor's `through`
 *   (`open_slots_doctors`), denormalized with the doctor's specialization and city so that the
 *   search indexes are ordered by time within (specialization[, city]).
 * - Triggers keep it exact on every write, whoever makes it (the API, an administrator's SQL):
 *   an appointment or exception takes the slots it overlaps; a cancellation, a deleted exception
 *   or a moved appointment regenerates the local days it covered; a changed schedule, doctor or
 *   clinic regenerates the doctor's days. Each runs under a per-doctor transaction lock, so two
 *   writers on one doctor never regenerate from snapshots that miss each other.
 * - `open_slots_horizon.through` is how far the service asked the table to reach; doctors created
 *   later start there. The service extends every doctor daily (`open_slots_extend`) and searches
 *   the table only up to the least `through` of all doctors; beyond it, it computes.
 */
export const migration: Migration = {
  id: 5,
  name: 'open-slots',
  sql: `
CREATE FUNCTION open_slots_generate(p_doctor_ids bigint[], p_from date, p_to date)
RETURNS TABLE (doctor_id bigint, starts_at timestamptz, ends_at timestamptz, clinic_id bigint, local_date date, slot_minutes smallint, specialization text, city text)
LANGUAGE sql STABLE AS $fn$${FREE_SLOTS_OF_DOCTORS}$fn$;

CREATE TABLE open_slots (
  doctor_id bigint NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  clinic_id bigint NOT NULL,
  local_date date NOT NULL,
  slot_minutes smallint NOT NULL,
  specialization text NOT NULL,
  city text NOT NULL,
  PRIMARY KEY (doctor_id, starts_at)
);
-- The search: equality on the place, then time order, so a page is the first rows of one range.
CREATE INDEX open_slots_specialization_city ON open_slots (specialization, city, starts_at, doctor_id);
CREATE INDEX open_slots_specialization ON open_slots (specialization, starts_at, doctor_id);

CREATE TABLE open_slots_doctors (
  doctor_id bigint PRIMARY KEY REFERENCES doctors (id) ON DELETE CASCADE,
  through date NOT NULL
);
CREATE TABLE open_slots_horizon (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  through date
);
INSERT INTO open_slots_horizon (through) VALUES (NULL);

-- Local dates before this one are past everywhere (UTC-12 is one day behind at most).
CREATE FUNCTION open_slots_first_day() RETURNS date LANGUAGE sql STABLE AS $fn$ SELECT (now() AT TIME ZONE 'UTC')::date - 1 $fn$;

-- One writer per doctor at a time, until commit. 1869571449 names this lock space.
CREATE FUNCTION open_slots_lock(p_doctor bigint) RETURNS void LANGUAGE sql AS $fn$
  SELECT pg_advisory_xact_lock(1869571449, (p_doctor % 2147483647)::int)
$fn$;

-- An appointment or exception now covers p_during: its overlapping slots are taken.
CREATE FUNCTION open_slots_take(p_doctor bigint, p_during tstzrange) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF isempty(p_during) THEN RETURN; END IF;
  PERFORM open_slots_lock(p_doctor);
  -- Slots last at most 240 minutes (doctor_schedules.slot_minutes), which bounds the index range.
  DELETE FROM open_slots o
  WHERE o.doctor_id = p_doctor
    AND o.starts_at > coalesce(lower(p_during), '-infinity') - interval '240 minutes'
    AND o.starts_at < coalesce(upper(p_during), 'infinity')
    AND tstzrange(o.starts_at, o.ends_at) && p_during;
END
$fn$;

-- Regenerates the doctor's local dates [p_from, p_to] (clipped to what is kept).
CREATE FUNCTION open_slots_refresh(p_doctor bigint, p_from date, p_to date) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_through date;
  v_from date := greatest(p_from, open_slots_first_day());
BEGIN
  PERFORM open_slots_lock(p_doctor);
  SELECT o.through INTO v_through FROM open_slots_doctors o WHERE o.doctor_id = p_doctor;
  IF v_through IS NULL OR v_from > least(p_to, v_through) THEN RETURN; END IF;
  v_through := least(p_to, v_through);
  DELETE FROM open_slots o
  WHERE o.doctor_id = p_doctor AND o.local_date BETWEEN v_from AND v_through
    AND o.starts_at >= (v_from - 1)::timestamp AT TIME ZONE 'UTC' AND o.starts_at < (v_through + 2)::timestamp AT TIME ZONE 'UTC';
  INSERT INTO open_slots SELECT * FROM open_slots_generate(ARRAY[p_doctor], v_from, v_through) ON CONFLICT DO NOTHING;
END
$fn$;

-- Regenerates every kept day of the doctor (schedule, specialization or clinic changed).
CREATE FUNCTION open_slots_rebuild(p_doctor bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_through date;
BEGIN
  PERFORM open_slots_lock(p_doctor);
  DELETE FROM open_slots o WHERE o.doctor_id = p_doctor;
  SELECT o.through INTO v_through FROM open_slots_doctors o WHERE o.doctor_id = p_doctor;
  IF v_through IS NULL OR v_through < open_slots_first_day() THEN RETURN; END IF;
  INSERT INTO open_slots SELECT * FROM open_slots_generate(ARRAY[p_doctor], open_slots_first_day(), v_through) ON CONFLICT DO NOTHING;
END
$fn$;

-- Something that covered p_during is gone: regenerate the local days it touched.
CREATE FUNCTION open_slots_free(p_doctor bigint, p_during tstzrange) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_zone text;
BEGIN
  IF isempty(p_during) THEN RETURN; END IF;
  -- The lock first: a clinic moving time zone meanwhile has then either finished or not begun.
  PERFORM open_slots_lock(p_doctor);
  SELECT c.timezone INTO v_zone FROM doctors d JOIN clinics c ON c.id = d.clinic_id WHERE d.id = p_doctor;
  IF v_zone IS NULL THEN RETURN; END IF;
  PERFORM open_slots_refresh(p_doctor,
    coalesce((lower(p_during) AT TIME ZONE v_zone)::date, '-infinity'::date),
    coalesce((upper(p_during) AT TIME ZONE v_zone)::date, 'infinity'::date));
END
$fn$;

-- Extends the given doctors to p_through, and drops their slots that are over: the daily step.
CREATE FUNCTION open_slots_extend(p_doctors bigint[], p_through date) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  v_doctor bigint;
  v_from date;
  v_ids bigint[];
  v_rows bigint;
  v_added bigint := 0;
BEGIN
  FOR v_doctor IN SELECT DISTINCT u FROM unnest(p_doctors) AS u ORDER BY u LOOP
    PERFORM open_slots_lock(v_doctor);
  END LOOP;
  DELETE FROM open_slots o WHERE o.doctor_id = ANY (p_doctors) AND o.starts_at < now() - interval '1 day';
  FOR v_from, v_ids IN
    SELECT greatest(coalesce(o.through + 1, open_slots_first_day()), open_slots_first_day()), array_agg(d.id)
    FROM doctors d LEFT JOIN open_slots_doctors o ON o.doctor_id = d.id
    WHERE d.id = ANY (p_doctors)
    GROUP BY 1
  LOOP
    IF v_from <= p_through THEN
      INSERT INTO open_slots SELECT * FROM open_slots_generate(v_ids, v_from, p_through) ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS v_rows = ROW_COUNT;
      v_added := v_added + v_rows;
    END IF;
  END LOOP;
  INSERT INTO open_slots_doctors (doctor_id, through)
  SELECT d.id, p_through FROM doctors d WHERE d.id = ANY (p_doctors)
  ON CONFLICT (doctor_id) DO UPDATE SET through = greatest(open_slots_doctors.through, EXCLUDED.through);
  RETURN v_added;
END
$fn$;

CREATE FUNCTION appointments_open_slots() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status <> 'cancelled'
     AND (TG_OP = 'DELETE' OR NEW.status = 'cancelled' OR NEW.doctor_id <> OLD.doctor_id OR NEW.during <> OLD.during) THEN
    PERFORM open_slots_free(OLD.doctor_id, OLD.during);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status <> 'cancelled'
     AND (TG_OP = 'INSERT' OR OLD.status = 'cancelled' OR NEW.doctor_id <> OLD.doctor_id OR NEW.during <> OLD.during) THEN
    PERFORM open_slots_take(NEW.doctor_id, NEW.during);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER appointments_open_slots AFTER INSERT OR UPDATE OR DELETE ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_open_slots();

CREATE FUNCTION schedule_exceptions_open_slots() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR NEW.doctor_id <> OLD.doctor_id OR NEW.during <> OLD.during) THEN
    PERFORM open_slots_free(OLD.doctor_id, OLD.during);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.doctor_id <> OLD.doctor_id OR NEW.during <> OLD.during) THEN
    PERFORM open_slots_take(NEW.doctor_id, NEW.during);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER schedule_exceptions_open_slots AFTER INSERT OR UPDATE OR DELETE ON schedule_exceptions
  FOR EACH ROW EXECUTE FUNCTION schedule_exceptions_open_slots();

-- Once per statement and doctor: replacing a schedule deletes and inserts several blocks.
CREATE FUNCTION doctor_schedules_open_slots() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_doctor bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR v_doctor IN SELECT DISTINCT n.doctor_id FROM new_rows n ORDER BY 1 LOOP PERFORM open_slots_rebuild(v_doctor); END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR v_doctor IN SELECT DISTINCT o.doctor_id FROM old_rows o ORDER BY 1 LOOP PERFORM open_slots_rebuild(v_doctor); END LOOP;
  ELSE
    FOR v_doctor IN SELECT n.doctor_id FROM new_rows n UNION SELECT o.doctor_id FROM old_rows o ORDER BY 1 LOOP PERFORM open_slots_rebuild(v_doctor); END LOOP;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER doctor_schedules_open_slots_insert AFTER INSERT ON doctor_schedules
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION doctor_schedules_open_slots();
CREATE TRIGGER doctor_schedules_open_slots_update AFTER UPDATE ON doctor_schedules
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION doctor_schedules_open_slots();
CREATE TRIGGER doctor_schedules_open_slots_delete AFTER DELETE ON doctor_schedules
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION doctor_schedules_open_slots();

CREATE FUNCTION doctors_open_slots() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- A new doctor starts where the others were asked to reach; their schedule fills it.
    INSERT INTO open_slots_doctors (doctor_id, through)
    SELECT NEW.id, h.through FROM open_slots_horizon h WHERE h.through IS NOT NULL;
  ELSIF NEW.specialization <> OLD.specialization OR NEW.clinic_id <> OLD.clinic_id THEN
    -- A clinic changing city or time zone at the same moment would not list this doctor yet:
    -- wait for it (its row lock), so that the rebuild reads the clinic as it ends up.
    PERFORM 1 FROM clinics c WHERE c.id = NEW.clinic_id FOR SHARE;
    PERFORM open_slots_rebuild(NEW.id);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER doctors_open_slots AFTER INSERT OR UPDATE OF specialization, clinic_id ON doctors
  FOR EACH ROW EXECUTE FUNCTION doctors_open_slots();
CREATE FUNCTION doctors_open_slots_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM open_slots o WHERE o.doctor_id = OLD.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER doctors_open_slots_delete AFTER DELETE ON doctors
  FOR EACH ROW EXECUTE FUNCTION doctors_open_slots_delete();

CREATE FUNCTION clinics_open_slots() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_doctor bigint;
BEGIN
  FOR v_doctor IN SELECT d.id FROM doctors d WHERE d.clinic_id = NEW.id ORDER BY d.id LOOP
    PERFORM open_slots_rebuild(v_doctor);
  END LOOP;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER clinics_open_slots AFTER UPDATE OF city, timezone ON clinics
  FOR EACH ROW WHEN (NEW.city IS DISTINCT FROM OLD.city OR NEW.timezone IS DISTINCT FROM OLD.timezone)
  EXECUTE FUNCTION clinics_open_slots();
`,
};
