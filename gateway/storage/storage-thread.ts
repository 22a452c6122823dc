import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SynchronousMode } from './database.js';
import type { BatchResult, EncodedBatch } from './observation-batch.js';
import type { StorageRole, StorageReply, StorageRequest } from './storage-worker.js';
import type { TrendPoint } from './trend-queries.js';
import type { VitalCode } from '../protocol/vitals.js';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import type { EngineSnapshot } from '../alarms/alarm-engine.js';
import type { AlarmRecorder } from '../alarms/alarm-service.js';
import type { PreparedBatch, ReadAfter, SyncStream } from '../sync/batch-reader.js';
import type { EncodedWaveBatch } from '../waves/wave-block-store.js';
import type { WaveBatchExecutor } from '../waves/wave-writer.js';

/** Something that commits encoded batches, one at a time, in order. */
export interface BatchExecutor {
  commit(batch: EncodedBatch): Promise<BatchResult>;
  close(): Promise<void>;
}

/**
 * Starts the writer thread. In the built app the worker is `storage-worker.js` beside the gateway
 * bundle; from sources (tests, `npm run gateway`) the TypeScript file is loaded through tsx.
 */
function spawnWorker(): Worker {
  // Beside the bundle, or one folder up when this code was split into the bundle's chunks/.
  const built = [new URL('./storage-worker.js', import.meta.url), new URL('../storage-worker.js', import.meta.url)].find((url) => existsSync(fileURLToPath(url)));
  if (built) return new Worker(built);
  const source = new URL('./storage-worker.ts', import.meta.url);
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
 * A storage thread with its own SQLite connection (writer, checkpointer or reader). The worker
 * handles requests one at a time, so replies come back in request order.
 */
export class StorageThread implements BatchExecutor, AlarmRecorder, WaveBatchExecutor {
  private worker: Worker | null = null;
  private waiting: Array<{ resolve(reply: StorageReply): void; reject(error: Error): void }> = [];
  private opening: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly synchronous: SynchronousMode,
    private readonly role: StorageRole = 'writer',
  ) {}

  /** Downsampled trend, computed on this (reader) thread. */
  async trend(patientId: number, code: VitalCode, from: number, to: number, maxPoints: number): Promise<{ bucketMs: number; points: TrendPoint[] }> {
    await this.open();
    const reply = await this.request({ type: 'trend', patientId, code, from, to, maxPoints });
    if (reply.type === 'trend') return { bucketMs: reply.bucketMs, points: reply.points };
    throw new StorageError(reply.type === 'failed' ? reply.message : `unexpected reply ${reply.type}`, null);
  }

  /** The next batch for the cloud, read and compressed on this (sync) thread. */
  async syncNext(limit: number, after?: ReadAfter): Promise<PreparedBatch | null> {
    await this.open();
    const reply = await this.request({ type: 'syncNext', limit, after });
    if (reply.type === 'syncBatch') return reply.batch;
    throw new StorageError(reply.type === 'failed' ? reply.message : `unexpected reply ${reply.type}`, null);
  }

  /** Moves a sync cursor (after the cloud confirmed a batch). */
  async syncConfirm(stream: SyncStream, lastId: number, now: number): Promise<void> {
    await this.open();
    const reply = await this.request({ type: 'syncConfirm', stream, lastId, now });
    if (reply.type !== 'syncConfirmed') throw new StorageError(reply.type === 'failed' ? reply.message : `unexpected reply ${reply.type}`, null);
  }

  async commit(batch: EncodedBatch): Promise<BatchResult> {
    await this.open();
    const reply = await this.request({ type: 'commit', batch });
    if (reply.type === 'committed') return { ids: reply.ids };
    if (reply.type === 'failed') throw new StorageError(reply.message, reply.code);
    throw new StorageError(`unexpected reply ${reply.type}`, null);
  }

  /** Commits wave blocks on this (writer) thread, in order with everything else it writes. */
  async commitWaves(batch: EncodedWaveBatch): Promise<BatchResult> {
    await this.open();
    const reply = await this.request({ type: 'commitWaves', batch });
    if (reply.type === 'committed') return { ids: reply.ids };
    throw new StorageError(reply.type === 'failed' ? reply.message : `unexpected reply ${reply.type}`, reply.type === 'failed' ? reply.code : null);
  }

  /** Persists alarm events with the engine state, on this (writer) thread. */
  async record(events: readonly AlarmEvent[], snapshot: EngineSnapshot, now: number): Promise<void> {
    await this.open();
    const reply = await this.request({ type: 'recordAlarms', events, snapshot, now });
    if (reply.type !== 'alarmsRecorded') throw new StorageError(reply.type === 'failed' ? reply.message : `unexpected reply ${reply.type}`, reply.type === 'failed' ? reply.code : null);
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
    const worker = spawnWorker();
    this.worker = worker;
    worker.on('message', (reply: StorageReply) => this.waiting.shift()?.resolve(reply));
    const died = (error: Error) => {
      if (this.worker === worker) {
        this.worker = null;
        this.opening = null;
      }
      for (const waiting of this.waiting.splice(0)) waiting.reject(error);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new StorageError(`writer thread exited (${code})`, null)));
    this.opening = this.request({ type: 'open', path: this.path, synchronous: this.synchronous, role: this.role }).then((reply) => {
      if (reply.type !== 'opened') {
        this.opening = null;
        throw new StorageError(reply.type === 'failed' ? reply.message : 'writer thread failed to open', null);
      }
    });
    return this.opening;
  }

  private request(request: StorageRequest): Promise<StorageReply> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new StorageError('writer thread is not running', null));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      worker.postMessage(request);
    });
  }
}
