import type { Migration } from '../migration.js';

/** Accounts, tokens, stations, the read audit and patients. */
export const migration: Migration = {
  id: 1,
  name: 'core',
  sql: `
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'physician', 'nurse')),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

-- Refresh tokens are stored as SHA-256 only. A token is used once: refreshing marks it used and
-- issues the next one of the same family; presenting a used token again revokes the family.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  family_id uuid NOT NULL,
  user_id bigint NOT NULL REFERENCES users(id),
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

-- Failed logins per account and per address, shared by every replica.
CREATE TABLE login_throttle (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_start timestamptz NOT NULL,
  locked_until timestamptz
);

-- Ward stations sync with their own credential: "stationId.secret", secret stored as SHA-256.
CREATE TABLE stations (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name text NOT NULL,
  secret_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Keys every replica must share (the JWT signing key), generated at the first start.
CREATE TABLE service_secrets (
  name text PRIMARY KEY,
  value bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Who read or changed which patient's data, and when.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'station', 'system')),
  actor_id text NOT NULL,
  action text NOT NULL,
  patient_id bigint,
  detail jsonb
);
CREATE INDEX audit_log_patient_at ON audit_log (patient_id, at);
CREATE INDEX audit_log_actor_at ON audit_log (actor_id, at);

CREATE TABLE patients (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mrn text NOT NULL UNIQUE,
  name text NOT NULL,
  birth_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Search by name prefix, listed by name then id (the keyset of the patients list).
CREATE INDEX patients_name_keyset ON patients (lower(name) text_pattern_ops, id);
`,
};
