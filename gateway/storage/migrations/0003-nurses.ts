import type { Migration } from '../migrate.js';

/** Nurses who sign in at the station, so acknowledgements and changes name a person. */
export const migration: Migration = {
  id: 3,
  name: 'nurses',
  sql: `
CREATE TABLE nurses (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- scrypt(PIN, salt); a PIN is short, so the slow hash and the sign-in throttle both matter.
  pin_hash BLOB NOT NULL,
  pin_salt BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
) STRICT;
`,
};
