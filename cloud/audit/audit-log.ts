import type { Sql } from '../db/sql.js';

export interface AuditEntry {
  readonly actorType: 'user' | 'station' | 'system';
  readonly actorId: string;
  /** e.g. 'patient.read', 'vitals.read', 'record.create'. */
  readonly action: string;
  readonly patientId: number | null;
  readonly detail?: Record<string, unknown>;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * Who read which patient's data. Entries are written in small batches (every 50 ms or 500
 * entries, one INSERT for all) so auditing every read costs the request almost nothing; `flush()`
 * runs on shutdown. What a crash can lose: the entries of the last 50 ms. A failed write keeps
 * its entries for the next attempt (bounded, and said in the log when the bound is hit).
 */
export class AuditLog {
  private buffer: Array<AuditEntry & { at: Date }> = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    private readonly options: { flushMs: number; maxBatch: number; maxBuffered: number } = { flushMs: 50, maxBatch: 500, maxBuffered: 100_000 },
  ) {}

  record(entry: AuditEntry): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.warn({ dropped: this.dropped }, 'audit buffer full: the database is not taking audit entries');
      return;
    }
    this.buffer.push({ ...entry, at: new Date() });
    if (this.buffer.length >= this.options.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.buffer.length);
    this.flushing = this.write(batch).finally(() => (this.flushing = null));
    await this.flushing;
  }

  private async write(batch: Array<AuditEntry & { at: Date }>): Promise<void> {
    try {
      await this.sql`
        INSERT INTO audit_log (at, actor_type, actor_id, action, patient_id, detail)
        SELECT * FROM unnest(
          ${batch.map((e) => e.at.toISOString())}::timestamptz[], ${batch.map((e) => e.actorType)}::text[],
          ${batch.map((e) => e.actorId)}::text[], ${batch.map((e) => e.action)}::text[],
          ${batch.map((e) => e.patientId) as number[]}::bigint[], ${batch.map((e) => (e.detail ? JSON.stringify(e.detail) : null)) as string[]}::text[]::jsonb[])`;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, entries: batch.length }, 'audit write failed; will retry');
      this.buffer.unshift(...batch);
      if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), 1000);
        this.timer.unref();
      }
    }
  }
}
