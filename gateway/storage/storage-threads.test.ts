import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
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

  it('leave no worker behind when opening fails, even when asked again (a process with a stray worker never exits)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-threads-'));
    writeFileSync(join(dir, 'not-a-folder'), '');
    const nowhere = join(dir, 'not-a-folder', 'station.db');
    // In a process of its own: it ends by itself only when no thread is left running.
    const script = `
      const { ReaderThread } = await import(${JSON.stringify(new URL('./storage-threads.ts', import.meta.url).href)});
      const reader = new ReaderThread(${JSON.stringify(nowhere)}, 'FULL');
      for (let attempt = 0; attempt < 3; attempt++) await reader.open().catch((error) => console.log(error.message));
      await reader.close();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // The deadline only turns a process that never ends into a failure that says so.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(deadline);
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^reader thread failed to open/), expect.stringMatching(/^reader thread failed to open/), expect.stringMatching(/^reader thread failed to open/)]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    rmSync(dir, { recursive: true, force: true });
  });
});
