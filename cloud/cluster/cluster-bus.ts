import type { Sql, TransactionSql } from '../db/sql.js';

type Handler = (payload: string) => void;

/**
 * Tells every replica what changed, through PostgreSQL LISTEN/NOTIFY (no extra broker). A notice
 * sent inside a transaction is delivered only if it commits. When the listening connection drops
 * and comes back, notices may have been missed: `onResync` handlers run then, and caches drop
 * everything they hold.
 */
export class ClusterBus {
  private readonly handlers = new Map<string, Handler[]>();
  private readonly resyncHandlers: Array<() => void> = [];
  private readonly unlisteners: Array<() => Promise<void>> = [];

  constructor(private readonly sql: Sql) {}

  async subscribe(channel: string, handler: Handler): Promise<void> {
    const list = this.handlers.get(channel);
    if (list) {
      list.push(handler);
      return;
    }
    this.handlers.set(channel, [handler]);
    let first = true;
    const { unlisten } = await this.sql.listen(
      channel,
      (payload) => {
        for (const h of this.handlers.get(channel) ?? []) h(payload);
      },
      () => {
        // Called on every (re)connection of the listener; the first is the initial subscribe.
        if (first) first = false;
        else for (const h of this.resyncHandlers) h();
      },
    );
    this.unlisteners.push(unlisten);
  }

  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  /** Publishes within `tx` when given (delivered at commit), else at once. Payload < 8000 bytes. */
  async publish(channel: string, payload: string, tx?: TransactionSql): Promise<void> {
    const target = tx ?? this.sql;
    await target`SELECT pg_notify(${channel}, ${payload})`;
  }

  async close(): Promise<void> {
    for (const unlisten of this.unlisteners.splice(0)) await unlisten().catch(() => {});
  }
}
