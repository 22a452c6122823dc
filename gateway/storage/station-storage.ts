import type { Database } from 'better-sqlite3';
import type { StationConfig } from '../config.js';
import type { StopStack } from '../protocol/stop-stack.js';
import { AuditTrail } from './audit-trail.js';
import { BatchReader } from './batch-reader.js';
import { openDatabase } from './database.js';
import { DeviceRegistry } from './device-registry.js';
import { NurseDirectory } from './nurse-directory.js';
import { databasePath } from './paths.js';
import { CheckpointerThread, ReaderThread, WriterThread } from './storage-threads.js';
import { WardRepository } from './ward-repository.js';

/** The station's database: the main connection with its repositories, and the storage threads. */
export interface StationStorage {
  readonly path: string;
  readonly db: Database;
  readonly registry: DeviceRegistry;
  readonly ward: WardRepository;
  readonly nurses: NurseDirectory;
  readonly audit: AuditTrail;
  /** Commits vitals, waves and alarm events; closed by the observation writer after its last commit. */
  readonly writerThread: WriterThread;
  /** Trends, computed off the event loop. */
  readonly reader: ReaderThread;
  /** Rows not yet sent to the cloud. */
  readonly batches: BatchReader;
}

/**
 * Opens the database and the writer, checkpointer and reader threads, before any device may
 * connect (the first frames do not wait for a thread). Their stops go on `stops`, so a start that
 * fails later still closes every thread.
 */
export async function openStationStorage(config: StationConfig, stops: StopStack): Promise<StationStorage> {
  const path = databasePath(config.dataDir);
  const { synchronous } = config.storage;
  const db = stops.adopt('database', openDatabase(path, { synchronous }), (db) => db.close());
  const [writerThread, checkpointer, reader] = [new WriterThread(path, synchronous), new CheckpointerThread(path, synchronous), new ReaderThread(path, synchronous)];
  stops.defer('storage threads', () => Promise.all([writerThread.close(), checkpointer.close(), reader.close()]));
  await Promise.all([writerThread.open(), checkpointer.open(), reader.open()]);
  return { path, db, registry: new DeviceRegistry(db), ward: new WardRepository(db), nurses: new NurseDirectory(db), audit: new AuditTrail(db), writerThread, reader, batches: new BatchReader(db) };
}
