import type { Migration } from '../migrate.js';

/**
 * Which listener a device may use. A device registered TLS-only is refused on the clear-text
 * ports, so capturing its key on the wire (or stealing it) is not enough to send as it there.
 * Existing devices keep working as before (0: clear text allowed).
 */
export const migration: Migration = {
  id: 8,
  name: 'device-tls-only',
  sql: `
ALTER TABLE devices ADD COLUMN tls_only INTEGER NOT NULL DEFAULT 0 CHECK (tls_only IN (0, 1));
`,
};
