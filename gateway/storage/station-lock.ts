import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `station.pid` in the data folder says a station runs on this database. Restore refuses while
 * it names a live process (replacing a database under a running writer would lose what it
 * commits next), and a second station on the same folder refuses to start. A file left by a
 * crash names a dead process and is taken over.
 */
export class StationLockError extends Error {
  readonly code = 'STATION_RUNNING';
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'station.pid');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's (the service account's) process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the station running on this folder, or null. */
export function runningStation(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath(dataDir), 'utf8').trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : null;
}

/** Takes the lock for this process; returns the function that releases it. */
export function lockStation(dataDir: string): () => void {
  const other = runningStation(dataDir);
  if (other !== null) throw new StationLockError(`a station (pid ${other}) already runs on ${dataDir}`);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(lockPath(dataDir), `${process.pid}\n`);
  return () => {
    if (runningStation(dataDir) === null) rmSync(lockPath(dataDir), { force: true });
  };
}
