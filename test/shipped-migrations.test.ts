import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS as STATION_MIGRATIONS } from '../gateway/storage/migrations/index.js';
import { MIGRATIONS as CLOUD_MIGRATIONS } from '../cloud/db/migrations/index.js';
import { migrationSql } from '../cloud/db/migration.js';

/**
 * Checksums of every migration that has shipped in a release. A shipped migration is never
 * edited: databases in hospitals have applied it, and the station and the cloud refuse to start
 * on a history that disagrees with the files. Change the schema with a new migration instead;
 * add a migration here when the release that contains it ships.
 */
const SHIPPED = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'shipped-migrations.json'), 'utf8')) as {
  station: Record<string, { name: string; sha256: string }>;
  cloud: Record<string, { name: string; native: string; timescaledb: string }>;
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('shipped migrations are never edited', () => {
  it('covers every migration of the previous release', () => {
    expect(Object.keys(SHIPPED.station)).toEqual(['1', '3', '4', '5']);
    expect(Object.keys(SHIPPED.cloud)).toEqual(['1', '2', '3', '4', '5']);
  });

  it.each(Object.entries(SHIPPED.station))('station migration %s is as shipped', (id, shipped) => {
    const migration = STATION_MIGRATIONS.find((m) => m.id === Number(id));
    expect(migration?.name, `station migration ${id} was removed`).toBe(shipped.name);
    expect(sha256(migration!.sql), `station migration ${id} (${shipped.name}) was edited after it shipped: add a new migration instead`).toBe(shipped.sha256);
  });

  it.each(Object.entries(SHIPPED.cloud))('cloud migration %s is as shipped, in both storage modes', (id, shipped) => {
    const migration = CLOUD_MIGRATIONS.find((m) => m.id === Number(id));
    expect(migration?.name, `cloud migration ${id} was removed`).toBe(shipped.name);
    const edited = `cloud migration ${id} (${shipped.name}) was edited after it shipped: add a new migration instead`;
    expect(sha256(migrationSql(migration!, 'native')), edited).toBe(shipped.native);
    expect(sha256(migrationSql(migration!, 'timescaledb')), edited).toBe(shipped.timescaledb);
  });
});
