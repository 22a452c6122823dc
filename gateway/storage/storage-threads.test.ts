import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CheckpointerThread, ReaderThread, SyncThread, WriterThread } from './storage-threads.js';

describe('storage threads', () => {
  it('name their role when they fail, so a log line says which thread is down', async () => {
    // A database path below a regular file: no thread can open it.
    const dir = mkdtempSync(join(tmpdir(), 'ward-threads-'));
    writeFileSync(join(dir, 'not-a-folder'), '');
    const nowhere = join(dir, 'not-a-folder', 'station.db');
    for (const [thread, role] of [
      [new WriterThread(nowhere, 'FULL'), 'writer'],
      [new CheckpointerThread(nowhere, 'FULL'), 'checkpointer'],
      [new ReaderThread(nowhere, 'FULL'), 'reader'],
      [new SyncThread(nowhere, 'FULL'), 'sync'],
    ] as const) {
      await expect(thread.open()).rejects.toThrow(new RegExp(`^${role} thread`));
      await thread.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
