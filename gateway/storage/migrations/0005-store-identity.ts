import type { Migration } from '../migrate.js';

/**
 * A random id for this station database, made once. Row ids restart at 1 in a new database (a
 * reinstall, a restored backup); sync batches carry this id so the cloud keeps a cursor per
 * database and never mistakes a new database's rows for ones it already has.
 */
export const migration: Migration = {
  id: 5,
  name: 'store-identity',
  sql: `
CREATE TABLE store_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  store_id TEXT NOT NULL
) STRICT;
INSERT INTO store_identity (id, store_id) VALUES (1, lower(hex(randomblob(16))));
`,
};
