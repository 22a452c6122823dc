import type { Database } from 'better-sqlite3';
import type { Logger } from '../log.js';
import { storageUse, type RetentionOptions, type RetentionPass, type StorageUse } from './retention.js';

/** Where a retention pass runs: the writer thread, on its own connection. */
export interface RetentionRunner {
  retain(options: RetentionOptions, now: number): Promise<RetentionPass>;
}

/**
 * Runs retention every ten minutes on the writer thread. The deletes used to run on the main
 * connection, where each slice waited for SQLite's write lock — held by the writer thread during
 * every vitals commit — with the event loop that acknowledges frames and judges alarms blocked.
 * On the writer's own connection they simply take turns with the commits.
 */
export class RetentionSchedule {
  /** Disk use after the last pass; null before the first. */
  lastUse: StorageUse | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionPass | null> | null = null;

  constructor(
    private readonly runner: RetentionRunner,
    private readonly db: Database,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
  ) {}

  start(intervalMs = 10 * 60_000): void {
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass now (or the one under way); null if it failed (logged). */
  runOnce(now = Date.now()): Promise<RetentionPass | null> {
    this.running ??= this.runner
      .retain(this.options, now)
      .then(
        (pass) => {
          this.lastUse = pass.use;
          if (pass.deleted > 0 || pass.wavesDeleted > 0) this.logger.info({ deleted: pass.deleted, wavesDeleted: pass.wavesDeleted }, 'retention pass');
          if (pass.compaction.failures > 0) this.logger.warn({ failures: pass.compaction.failures, err: pass.compaction.lastError }, 'wave compaction failed since the last retention pass; it is tried again every 15 s');
          if (pass.use.nearBudget) this.logger.warn({ bytes: pass.use.bytes, budgetBytes: pass.use.budgetBytes }, 'storage near its disk budget');
          return pass;
        },
        (error: Error) => {
          this.logger.error({ err: error.message }, 'retention pass failed');
          return null;
        },
      )
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Disk use now (a read on the main connection: no write lock). */
  use(): StorageUse {
    return storageUse(this.db, this.options.diskBudgetMb);
  }
}
