import type { Sql } from '../db/sql.js';
import { BatchBuffer, type BatchBufferOptions } from './batch-buffer.js';

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
  private readonly batches: BatchBuffer<AuditEntry & { at: Date }>;

  constructor(
    private readonly sql: Sql,
    logger: Logger,
    options: BatchBufferOptions = { flushMs: 50, maxBatch: 500, maxBuffered: 100_000 },
  ) {
    this.batches = new BatchBuffer((batch) => this.write(batch), options, {
      failed: (error, entries) => logger.warn({ err: error.message, entries }, 'audit write failed; will retry'),
      dropped: (total) => {
        if (total === 1 || total % 1000 === 0) logger.warn({ dropped: total }, 'audit buffer full: the database is not taking audit entries');
      },
    });
  }

  record(entry: AuditEntry): void {
    this.batches.add({ ...entry, at: new Date() });
  }

  flush(): Promise<void> {
    return this.batches.flush();
  }

  private async write(batch: Array<AuditEntry & { at: Date }>): Promise<void> {
    await this.sql`
      INSERT INTO audit_log (at, actor_type, actor_id, action, patient_id, detail)
      SELECT * FROM unnest(
        ${batch.map((e) => e.at.toISOString())}::timestamptz[], ${batch.map((e) => e.actorType)}::text[],
        ${batch.map((e) => e.actorId)}::text[], ${batch.map((e) => e.action)}::text[],
        ${batch.map((e) => e.patientId) as number[]}::bigint[], ${batch.map((e) => (e.detail ? JSON.stringify(e.detail) : null)) as string[]}::text[]::jsonb[])`;
  }
}
