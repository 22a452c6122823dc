import { Worker } from 'node:worker_threads';
import { ApiError } from '../errors.js';

export interface HashingLimits {
  /** Threads that run scrypt (each uses 128 MiB while it hashes). */
  readonly threads: number;
  /** Hashes waiting for a thread; beyond this a sign-in is answered 503 at once. */
  readonly maxQueued: number;
}

export interface ScryptJob {
  readonly password: string;
  readonly salt: Buffer;
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
}

// A worker of its own (plain CommonJS, no build step): scrypt runs there synchronously, so it
// never occupies libuv's shared pool, where token checks (WebCrypto HMAC), DNS and file work queue.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', ({ id, password, salt, n, r, p, keyLength }) => {
  try {
    const key = scryptSync(password, Buffer.from(salt), keyLength, { N: n, r, p, maxmem: 256 * n * r });
    parentPort.postMessage({ id, key });
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
  }
});`;

interface Pending {
  readonly job: ScryptJob;
  resolve(key: Buffer): void;
  reject(error: Error): void;
}

/**
 * Password hashing on a dedicated, size-limited set of threads with a capped queue. A burst of
 * sign-ins (an attack or a shift change) then costs at most `threads` cores and a bounded wait;
 * what does not fit is refused with 503 and Retry-After instead of starving every other request.
 */
export class PasswordHasher {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private started = 0;

  constructor(readonly limits: HashingLimits) {}

  /** Hashes running and waiting, for tests and metrics. */
  load(): { running: number; queued: number } {
    return { running: this.busy.size, queued: this.queue.length };
  }

  derive(job: ScryptJob): Promise<Buffer> {
    if (this.busy.size >= this.limits.threads && this.queue.length >= this.limits.maxQueued) {
      return Promise.reject(new ApiError('unavailable', 'sign-in is busy; try again in a moment', { 'retry-after': '2' }));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    for (const pending of [...this.busy.values(), ...this.queue.splice(0)]) pending.reject(new Error('password hashing stopped'));
    this.busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.started < this.limits.threads ? this.spawn() : null);
      if (!worker) return;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.ref();
      const { password, salt, n, r, p, keyLength } = pending.job;
      worker.postMessage({ id: 0, password, salt, n, r, p, keyLength });
    }
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (message: { key?: Uint8Array; error?: string }) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (message.key) pending?.resolve(Buffer.from(message.key));
      else pending?.reject(new Error(message.error ?? 'scrypt failed'));
      this.dispatch();
    });
    worker.on('error', (error) => {
      // A thread that died takes its job with it; a fresh one is started for the rest.
      this.busy.get(worker)?.reject(error);
      this.busy.delete(worker);
      this.started--;
      this.dispatch();
    });
    return worker;
  }
}
