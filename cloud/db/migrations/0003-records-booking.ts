import type { Migration } from '../migration.js';

/**
 * Medical records and booking. The appointments table and its two exclusion constraints are the
 * contract notifications and video rooms build on: the database itself refuses a double booking
 * of a doctor or a patient, whatever the application does. Every index names the query it serves.
 */
export const migration: Migration = {
  id: 3,
  name: 'records-booking',
  sql: `
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE patients ADD COLUMN email text, ADD COLUMN phone text, ADD COLUMN sex text;

CREATE TABLE clinics (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  city text NOT NULL,
  timezone text NOT NULL DEFAULT 'UTC'
);
-- Availability search by city.
CREATE INDEX clinics_city ON clinics (city, id);

CREATE TABLE doctors (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint REFERENCES users(id),
  name text NOT NULL,
  specialization text NOT NULL,
  clinic_id bigint NOT NULL REFERENCES clinics(id),
  consultation_fee_cents integer NOT NULL,
  email text,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Availability search: the candidate doctors of a specialization (optionally in one clinic).
CREATE INDEX doctors_specialization_clinic ON doctors (specialization, clinic_id, id);
CREATE INDEX doctors_clinic ON doctors (clinic_id);

-- Weekly working hours in the clinic's local time, in blocks cut into slots of slot_minutes.
-- weekday is ISO (1 = Monday ... 7 = Sunday). The primary key serves "the blocks of a doctor".
CREATE TABLE doctor_schedules (
  doctor_id bigint NOT NULL REFERENCES doctors(id),
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  starts time NOT NULL,
  ends time NOT NULL,
  slot_minutes integer NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
  PRIMARY KEY (doctor_id, weekday, starts),
  CHECK (ends > starts)
);

-- Leave, holidays and other closures: no slot overlapping one is offered or bookable.
CREATE TABLE schedule_exceptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doctor_id bigint NOT NULL REFERENCES doctors(id),
  during tstzrange NOT NULL,
  reason text NOT NULL CHECK (reason IN ('leave', 'holiday', 'other')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedule_exceptions_doctor_during ON schedule_exceptions USING gist (doctor_id, during);

CREATE TABLE appointments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doctor_id bigint NOT NULL REFERENCES doctors(id),
  patient_id bigint NOT NULL REFERENCES patients(id),
  during tstzrange NOT NULL,
  status text NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'completed', 'no_show')),
  mode text NOT NULL CHECK (mode IN ('in_person', 'video')),
  created_at timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz,
  CONSTRAINT appointments_doctor_no_overlap EXCLUDE USING gist (doctor_id WITH =, during WITH &&) WHERE (status <> 'cancelled'),
  CONSTRAINT appointments_patient_no_overlap EXCLUDE USING gist (patient_id WITH =, during WITH &&) WHERE (status <> 'cancelled')
);
-- A patient's history (upcoming ascending, past descending) and a doctor's day, both keyset on
-- (start, id); the busy times of the search come from the doctor's exclusion index above.
CREATE INDEX appointments_patient_start ON appointments (patient_id, lower(during), id);
CREATE INDEX appointments_doctor_start ON appointments (doctor_id, lower(during), id);

-- Medical records are append-only: a correction is a new record that says what it corrects.
CREATE TABLE medical_records (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id bigint NOT NULL REFERENCES patients(id),
  type text NOT NULL CHECK (type IN ('diagnosis', 'prescription', 'lab', 'note')),
  author_id bigint NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL
);
-- A patient's records newest first (scanned backwards), with and without a type filter.
CREATE INDEX medical_records_patient_created ON medical_records (patient_id, created_at, id);
CREATE INDEX medical_records_patient_type_created ON medical_records (patient_id, type, created_at, id);
`,
};
