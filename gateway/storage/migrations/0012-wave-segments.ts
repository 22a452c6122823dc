import type { Migration } from '../migrate.js';

/**
 * Full disclosure in minute segments. Frames are stored as received (one row each, acknowledged
 * after the commit); a few minutes later the writer merges each device's consecutive frames of a
 * wave into one row of up to 60 s (gateway/waves/wave-compaction.ts). A row's fixed cost (device,
 * times, the two indexes) is then paid once a minute instead of once a second, and deflate sees a
 * minute of the wave instead of a second.
 *
 * `last_seq`: the seq of the last frame in a segment (NULL for a frame as received, whose seq is
 * its own). `wave_compaction` keeps, per device, the highest seq merged into a segment: a resend
 * of a frame at or below it is a duplicate even though its own row is gone. `wave_compaction_mark`
 * is the id up to which frames have been looked at, so a pass never re-reads the whole table.
 */
export const migration: Migration = {
  id: 12,
  name: 'wave-segments',
  sql: `
ALTER TABLE wave_blocks ADD COLUMN last_seq INTEGER;
CREATE TABLE wave_compaction (
  device_id TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE wave_compaction_mark (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  compacted_to_id INTEGER NOT NULL
) STRICT;
INSERT INTO wave_compaction_mark (id, compacted_to_id) VALUES (1, 0);
`,
};
