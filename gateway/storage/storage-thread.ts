import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SynchronousMode } from './database.js';
import type { BatchResult, EncodedBatch } from './observation-batch.js';
import { workerEntry, type CloseRequest, type OpenRequest, type StorageReply, type StorageRole } from './storage-messages.js';

/** Something that commits encoded batches, one at a time, in order. */
export interface BatchExecutor {
  commit(batch: EncodedBatch): Promise<BatchResult>;
  close(): Promise<void>;
}

/**
 * Starts a storage thread from its role's entry file. In the built app that is `<role>-worker.js`
 * beside the gateway bundle (or one folder up, when this code was split into the bundle's
 * chunks/); from sources (tests, `npm run gateway` before a build) the TypeScript file is loaded
 * through tsx. A bundle without the entry is a broken build, said plainly with the role it lacks.
 */
function spawnWorker(role: StorageRole): Worker {
  const entry = workerEntry(role);
  const built = [new URL(`./${entry}.js`, import.meta.url), new URL(`../${entry}.js`, import.meta.url)].find((url) => existsSync(fileURLToPath(url)));
  if (built) return new Worker(built);
  if (!import.meta.url.endsWith('.ts')) throw new StorageError(`${role} thread cannot start: ${entry}.js is missing beside the gateway bundle (rebuild it: npm run build)`, null);
  const source = new URL(`./${entry}.ts`, import.meta.url);
  return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(source.href)}); })`, { eval: true });
}

export class StorageError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/**
 * A storage thread with its own SQLite connection; each role (writer, checkpointer, reader, sync)
 * is a subclass with only its own requests (storage-threads.ts). The worker handles requests one
 * at a time, so replies come back in request order. Every error names the role.
 */
export abstract class StorageThread<R extends { readonly type: string }> {
  private worker: Worker | null = null;
  private waiting: Array<{ resolve(reply: StorageReply): void; reject(error: Error): void }> = [];
  private opening: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly synchronous: SynchronousMode,
    readonly role: StorageRole,
  ) {}

  /**
   * Sends one request and returns the reply of the expected type; anything else is a
   * StorageError that names this thread's role.
   */
  protected async call<T extends StorageReply['type']>(request: R, expected: T): Promise<Extract<StorageReply, { type: T }>> {
    await this.open();
    const reply = await this.request(request);
    if (reply.type === expected) return reply as Extract<StorageReply, { type: T }>;
    if (reply.type === 'failed') throw new StorageError(`${this.role} thread: ${reply.message}`, reply.code);
    throw new StorageError(`${this.role} thread: unexpected reply ${reply.type}`, null);
  }

  async close(): Promise<void> {
    if (!this.worker) return;
    const worker = this.worker;
    await this.request({ type: 'close' }).catch(() => undefined);
    await worker.terminate();
    this.worker = null;
    this.opening = null;
  }

  /** Opens the thread (again, after it died: storage comes back by itself if it can). */
  open(): Promise<void> {
    if (this.opening) return this.opening;
    const worker = spawnWorker(this.role);
    this.worker = worker;
    worker.on('message', (reply: StorageReply) => this.waiting.shift()?.resolve(reply));
    const died = (error: Error) => {
      // A worker already let go (a failed open) had its answer; the requests waiting now are its successor's.
      if (this.worker !== worker) return;
      this.worker = null;
      this.opening = null;
      for (const waiting of this.waiting.splice(0)) waiting.reject(error);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new StorageError(`${this.role} thread exited (${code})`, null)));
    this.opening = this.request({ type: 'open', path: this.path, synchronous: this.synchronous }).then((reply) => {
      if (reply.type !== 'opened') {
        // The next request spawns a fresh worker: this one must not stay behind, idle but alive.
        if (this.worker === worker) this.worker = null;
        this.opening = null;
        void worker.terminate();
        throw new StorageError(`${this.role} thread failed to open: ${reply.type === 'failed' ? reply.message : reply.type}`, null);
      }
    });
    return this.opening;
  }

  private request(request: OpenRequest | CloseRequest | R): Promise<StorageReply> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new StorageError(`${this.role} thread is not running`, null));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      worker.postMessage(request);
    });
  }
}
