import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface DiskFlushLatency {
  /** The folder probed (on the file system that holds the database when the bench made it). */
  dir: string;
  p50Ms: number;
  p95Ms: number;
}

/**
 * How long this disk takes to make one 8 kB write durable (write, then fdatasync: what a commit's
 * WAL flush does with PostgreSQL's default wal_sync_method on Linux). Bookings wait for that flush,
 * so two machines of the same kind with different disks give different booking figures: printed
 * beside them, the difference is measured instead of guessed.
 */
export function diskFlushLatency(parent: string, count = 200): DiskFlushLatency {
  const dir = mkdtempSync(join(parent, 'flush-probe-'));
  const page = Buffer.alloc(8192, 0x5a);
  const fd = openSync(join(dir, 'probe'), 'w');
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      writeSync(fd, page, 0, page.length, (i % 16) * page.length);
      fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { dir: parent, p50Ms: times[Math.floor(count * 0.5)]!, p95Ms: times[Math.floor(count * 0.95)]! };
}
