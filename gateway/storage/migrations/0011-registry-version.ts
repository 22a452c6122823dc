import type { Migration } from '../migrate.js';

/**
 * A counter the device registry watches instead of the whole file's `data_version`. That pragma
 * changes on every commit of any other connection, so with vitals committed many times a second
 * the registry re-read every device, bed and admission once a second on the event loop that
 * acknowledges frames. The counter changes only when what the registry holds may have: devices,
 * admissions, patients — whichever process (the station, the CLI) wrote them.
 */
const TABLES = ['devices', 'admissions', 'patients'] as const;
const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;

export const migration: Migration = {
  id: 11,
  name: 'registry-version',
  sql: `
CREATE TABLE registry_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);
${TABLES.flatMap((table) =>
  EVENTS.map(
    (event) => `CREATE TRIGGER registry_version_${table}_${event.toLowerCase()} AFTER ${event} ON ${table}
BEGIN
  UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;`,
  ),
).join('\n')}
`,
};
