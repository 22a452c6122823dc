import { run, type Sql } from '../db/sql.js';
import { BatchBuffer } from './batch-buffer.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';

export type SecurityEventKind =
  | 'auth.login_failed'
  | 'auth.login_throttled'
  | 'auth.refresh_reused'
  | 'auth.password_changed'
  | 'auth.password_reset'
  | 'auth.unlocked'
  | 'access.denied'
  | 'station.auth_failed'
  | 'station.revoked'
  | 'ingest.rows_refused'
  | 'ingest.identity_conflict';

/**
 * What happened, to whom and from where. Never patient data: usernames and station ids are
 * staff and device identifiers; `detail` holds counts, codes and route patterns (never a URL,
 * which may carry a patient id or a name search).
 */
export interface SecurityEvent {
  readonly event: SecurityEventKind;
  readonly username?: string | null;
  readonly userId?: number | null;
  readonly stationId?: string | null;
  readonly address?: string | null;
  readonly detail?: Record<string, string | number | boolean | null>;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

export const LIST_SECURITY_EVENTS = `
SELECT id, at, event, username, user_id AS "userId", station_id AS "stationId", address, detail
FROM security_events
WHERE ($1::text IS NULL OR event = $1) AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3`;

/**
 * Security events: written to the log at once (for the operator's log collection) and to the
 * `security_events` table in small batches (for the admin's query), like the read audit, so a
 * flood of failed sign-ins costs one INSERT per 50 ms, not one per attempt. Bounded: beyond
 * `maxBuffered` waiting entries the table misses some (the log still has every one; said once).
 */
export class SecurityEvents {
  private readonly batches: BatchBuffer<SecurityEvent & { at: Date }>;

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    options: { flushMs: number; maxBuffered: number } = { flushMs: 50, maxBuffered: 20_000 },
  ) {
    this.batches = new BatchBuffer((batch) => this.write(batch), { ...options, maxBatch: options.maxBuffered }, {
      failed: (error, entries) => logger.warn({ err: error.message, entries }, 'security events write failed; will retry'),
      dropped: (total) => {
        if (total === 1) logger.warn({ maxBuffered: options.maxBuffered }, 'security events buffer full: the table misses some (the log has them)');
      },
    });
  }

  record(event: SecurityEvent): void {
    this.logger.warn({ security: event.event, username: event.username, userId: event.userId, stationId: event.stationId, address: event.address, detail: event.detail }, event.event);
    this.batches.add({ ...event, at: new Date() });
  }

  flush(): Promise<void> {
    return this.batches.flush();
  }

  async list(options: { event?: string; cursor?: string; limit: number }): Promise<{ items: unknown[]; nextCursor: string | null }> {
    const after = decodeCursor(options.cursor, ['number']);
    const rows = await run<{ id: number; at: Date }>(this.sql, LIST_SECURITY_EVENTS, [options.event ?? null, after?.[0] ?? null, options.limit + 1]);
    const items = rows.slice(0, options.limit).map((r) => ({ ...r, id: Number(r.id), at: r.at.toISOString() }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? encodeCursor([last.id]) : null };
  }

  private async write(batch: Array<SecurityEvent & { at: Date }>): Promise<void> {
    const column = <T>(pick: (e: SecurityEvent & { at: Date }) => T): T[] => batch.map(pick);
    await this.sql`
      INSERT INTO security_events (at, event, username, user_id, station_id, address, detail)
      SELECT * FROM unnest(
        ${column((e) => e.at.toISOString())}::timestamptz[], ${column((e) => e.event)}::text[],
        ${column((e) => e.username ?? null) as string[]}::text[], ${column((e) => e.userId ?? null) as number[]}::bigint[],
        ${column((e) => e.stationId ?? null) as string[]}::text[], ${column((e) => e.address ?? null) as string[]}::text[],
        ${column((e) => (e.detail ? JSON.stringify(e.detail) : null)) as string[]}::text[]::jsonb[])`;
  }
}
