import { join } from 'node:path';

/** The station database inside its data folder. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'station.db');
}
