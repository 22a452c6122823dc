import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import type { BackupInfo } from './backup.js';

/** `station-20261203T071500Z.db`: sorts by time, so retention keeps the last names. */
const BACKUP_NAME = /^station-\d{8}T\d{6}Z\.db$/;

export function backupFileName(at: Date): string {
  return `station-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}.db`;
}

/** Same rule as the storage threads: the built worker beside the bundle, else the source via tsx. */
function runInWorker(source: string, target: string): Promise<BackupInfo> {
  // Beside the bundle, or one folder up when this code was split into the bundle's chunks/.
  const built = [new URL('./backup-worker.js', import.meta.url), new URL('../backup-worker.js', import.meta.url)].find((url) => existsSync(fileURLToPath(url)));
  const worker = built
    ? new Worker(built, { workerData: { source, target } })
    : new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(new URL('./backup-worker.ts', import.meta.url).href)}); })`, {
        eval: true,
        workerData: { source, target },
      });
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: { ok: true; info: BackupInfo } | { ok: false; message: string }) => {
      void worker.terminate();
      if (reply.ok) resolve(reply.info);
      else reject(new Error(reply.message));
    });
    worker.once('error', reject);
  });
}

/**
 * Online backups on a schedule, into one folder, keeping the newest `keep`. A failed backup is
 * logged and retried at the next interval; older backups are only pruned after a new one is
 * whole, so a failing disk never leaves fewer backups than before.
 */
export class BackupSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  lastBackup: { at: number; info: BackupInfo } | null = null;
  lastError: string | null = null;

  constructor(
    private readonly source: string,
    private readonly options: { dir: string; intervalMs: number; keep: number },
    private readonly logger: Logger,
    private readonly onBackup: (info: BackupInfo) => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One backup now (skipped if one is still running), then retention. */
  runOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.backup().finally(() => (this.running = null));
    return this.running;
  }

  private async backup(): Promise<void> {
    const at = this.now();
    try {
      mkdirSync(this.options.dir, { recursive: true });
      const info = await runInWorker(this.source, join(this.options.dir, backupFileName(at)));
      this.lastBackup = { at: at.getTime(), info };
      this.lastError = null;
      this.prune();
      this.logger.info({ file: info.file, bytes: info.bytes }, 'scheduled backup written');
      this.onBackup(info);
    } catch (error) {
      this.lastError = (error as Error).message;
      this.logger.error({ err: this.lastError }, 'scheduled backup failed');
    }
  }

  private prune(): void {
    const backups = readdirSync(this.options.dir).filter((name) => BACKUP_NAME.test(name)).sort();
    for (const name of backups.slice(0, Math.max(0, backups.length - this.options.keep))) rmSync(join(this.options.dir, name));
  }
}
