/** How vitals are stored: chosen once, at the first start, from what the server offers. */
export type StorageMode = 'timescaledb' | 'native';

/**
 * A forward-only migration. Shipped migrations are never edited: add a new file instead. A
 * migration whose schema differs between the two storage modes gives its SQL per mode.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string | ((mode: StorageMode) => string);
}

export function migrationSql(migration: Migration, mode: StorageMode): string {
  return typeof migration.sql === 'string' ? migration.sql : migration.sql(mode);
}
