import { statSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../log.js';

export const SELECT_SYNC_CURSOR = "SELECT last_id AS lastId FROM sync_cursors WHERE stream = 'observations'";
export const SELECT_ALARM_SYNC_CURSOR = "SELECT last_id AS lastId FROM sync_cursors WHERE stream = 'alarm_events'";
/** Alarm events follow the same rule as vitals: older than the hot window and in the cloud. */
export const DELETE_OLD_SYNCED_ALARM_EVENTS = `DELETE FROM alarm_events WHERE id IN (
  SELECT id FROM alarm_events WHERE id <= @cursor AND at < @before ORDER BY id LIMIT @limit)`;
/** Deletes in slices so the writer is never blocked for long. */
export const DELETE_OLD_SYNCED_VALUES = `DELETE FROM observation_values WHERE observation_id IN (
  SELECT id FROM observations WHERE id <= @cursor AND ts < @before ORDER BY id LIMIT @limit)`;
export const DELETE_OLD_SYNCED = `DELETE FROM observations WHERE id IN (
  SELECT id FROM observations WHERE id <= @cursor AND ts < @before ORDER BY id LIMIT @limit)`;

/** What the database takes on disk (used pages and the WAL) against its budget; a read, no lock. */
export function storageUse(db: Database, diskBudgetMb: number): StorageUse {
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  const freePages = db.pragma('freelist_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  let walBytes = 0;
  try {
    walBytes = statSync(`${db.name}-wal`).size;
  } catch {
    walBytes = 0;
  }
  const bytes = (pageCount - freePages) * pageSize + walBytes;
  const budgetBytes = diskBudgetMb * 1024 * 1024;
  return { bytes, budgetBytes, nearBudget: bytes >= budgetBytes * 0.9 };
}

/** The windows and budget the station keeps its local data within. */
export interface RetentionOptions {
  readonly hotWindowHours: number;
  readonly diskBudgetMb: number;
  readonly waveRetentionHours: number;
}

/** What one retention pass deleted, and the disk use after it. */
export interface RetentionPass {
  readonly deleted: number;
  readonly wavesDeleted: number;
  readonly use: StorageUse;
  /** Wave compaction turns that failed on the writer thread since the last pass, and the last error (an SQLite code or message: never data). */
  readonly compaction: CompactionFailures;
}

export interface CompactionFailures {
  readonly failures: number;
  readonly lastError: string | null;
}

export interface StorageUse {
  readonly bytes: number;
  readonly budgetBytes: number;
  /** true from 90 % of the budget: time for a technical alarm, before data is at risk. */
  readonly nearBudget: boolean;
}

/**
 * Keeps the local store within its hot window and disk budget. A row is deleted only when it is
 * older than the hot window AND already in the cloud (id <= the sync cursor); over the budget,
 * synced rows go oldest first even inside the window. Unsynced rows are never deleted: if they
 * alone fill the budget, the station says so (near-budget condition) and keeps storing.
 */
export class RetentionJob {
  private readonly cursor: Statement;
  private readonly deleteValues: Statement;
  private readonly deleteObservations: Statement;
  private readonly alarmCursor: Statement;
  private readonly deleteAlarmEvents: Statement;
  private timer: NodeJS.Timeout | null = null;
  lastUse: StorageUse | null = null;

  constructor(
    private readonly db: Database,
    private readonly options: { hotWindowHours: number; diskBudgetMb: number },
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.cursor = db.prepare(SELECT_SYNC_CURSOR);
    this.deleteValues = db.prepare(DELETE_OLD_SYNCED_VALUES);
    this.deleteObservations = db.prepare(DELETE_OLD_SYNCED);
    this.alarmCursor = db.prepare(SELECT_ALARM_SYNC_CURSOR);
    this.deleteAlarmEvents = db.prepare(DELETE_OLD_SYNCED_ALARM_EVENTS);
  }

  start(intervalMs = 10 * 60_000): void {
    this.timer = setInterval(() => this.run(), intervalMs);
    this.timer.unref();
    this.run();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass; returns the number of observations deleted. */
  run(): number {
    const cursor = (this.cursor.get() as { lastId: number } | undefined)?.lastId ?? 0;
    const before = this.now() - this.options.hotWindowHours * 3600_000;
    let deleted = this.deleteBefore(cursor, before);
    this.deleteOldAlarmEvents(before);
    let use = this.use();
    // Over budget: give up synced rows inside the hot window too, oldest first.
    while (use.bytes > use.budgetBytes * 0.8) {
      const removed = this.deleteSlice(cursor, Number.MAX_SAFE_INTEGER, 5000);
      if (removed === 0) break;
      deleted += removed;
      use = this.use();
    }
    this.lastUse = use;
    if (deleted > 0) this.logger.info({ deleted }, 'retention pass');
    if (use.nearBudget) this.logger.warn({ bytes: use.bytes, budgetBytes: use.budgetBytes }, 'storage near its disk budget');
    return deleted;
  }

  use(): StorageUse {
    return storageUse(this.db, this.options.diskBudgetMb);
  }

  private deleteOldAlarmEvents(before: number, limit = 20_000): void {
    const cursor = (this.alarmCursor.get() as { lastId: number } | undefined)?.lastId ?? 0;
    while (this.deleteAlarmEvents.run({ cursor, before, limit }).changes === limit);
  }

  private deleteBefore(cursor: number, before: number, limit = 20_000): number {
    let total = 0;
    for (;;) {
      const n = this.deleteSlice(cursor, before, limit);
      total += n;
      if (n < limit) return total;
    }
  }

  private deleteSlice(cursor: number, before: number, limit: number): number {
    return this.db.transaction(() => {
      this.deleteValues.run({ cursor, before, limit });
      return this.deleteObservations.run({ cursor, before, limit }).changes;
    })();
  }
}
