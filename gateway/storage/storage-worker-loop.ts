import { parentPort } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { openDatabase } from './database.js';
import type { CloseRequest, OpenRequest, StorageReply } from './storage-messages.js';

/** What a role does with its connection: answer its requests, and finish before the connection closes. */
export interface StorageRoleHandler<R> {
  handle(request: R): StorageReply;
  close?(): void;
}

/**
 * The message loop of every storage thread's entry file. 'open' opens the thread's own connection
 * (it never checkpoints by itself: the checkpointer does, beside the writer) and sets the role up;
 * requests are answered one at a time, in order; 'close' closes the connection and ends the thread.
 * An error is answered as `failed` with SQLite's code, and the thread keeps serving.
 */
export function serveStorageRole<R extends { readonly type: string }>(setUp: (db: Database) => StorageRoleHandler<R>): void {
  const port = parentPort!;
  let db: Database | null = null;
  let role: StorageRoleHandler<R> | null = null;
  const reply = (message: StorageReply) => port.postMessage(message);
  port.on('message', (request: OpenRequest | CloseRequest | R) => {
    try {
      if (request.type === 'open') {
        const { path, synchronous } = request as OpenRequest;
        db = openDatabase(path, { synchronous });
        db.pragma('wal_autocheckpoint = 0');
        role = setUp(db);
        reply({ type: 'opened' });
      } else if (request.type === 'close') {
        role?.close?.();
        db?.close();
        db = null;
        reply({ type: 'closed' });
        port.close();
      } else if (role) {
        reply(role.handle(request as R));
      } else {
        reply({ type: 'failed', message: `${request.type} before open`, code: null });
      }
    } catch (error) {
      const e = error as { message?: string; code?: string };
      reply({ type: 'failed', message: e.message ?? String(error), code: e.code ?? null });
    }
  });
}
