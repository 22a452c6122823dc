import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../gateway/storage/database.js';
import { WardRepository } from '../../gateway/storage/ward-repository.js';
import { tempDir } from './station-fixture.js';

/** A station's database (migrated) in a temporary folder; `cleanups` closes and removes it. */
export function stationDatabase(cleanups: Array<() => unknown>): Database {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  const db = openDatabase(join(dir.path, 'station.db'));
  cleanups.push(() => void db.close());
  return db;
}

/** Bed B1 with `patient` admitted to it; returns the patient's id. */
export function admitToBed(db: Database, patient: { mrn: string; name: string; birthDate: string | null }): number {
  const ward = new WardRepository(db);
  ward.addBed('B1', 'Bed 1', 't');
  return ward.admit({ bedId: 'B1', ...patient }, 't');
}
