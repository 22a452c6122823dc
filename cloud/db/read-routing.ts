import { setTimeout as delay } from 'node:timers/promises';
import { parseLsn } from './lsn.js';
import type { Sql } from './sql.js';

/** Where one read runs, and how much of the primary's log it is known to include. */
export interface ReadRoute {
  readonly sql: Sql;
  readonly source: 'primary' | 'replica';
  /**
   * A WAL position the read's data includes at least (the replica's replay position, or the
   * primary's insert position when it fell back there); null when no replica is configured.
   */
  readonly lsn: bigint | null;
}

export interface ReadRoutingOptions {
  /** How long a read waits for a replica to replay the client's last write before going to the primary. */
  readonly waitMs: number;
  /** How often the replica's replay position is asked while waiting. */
  readonly pollMs?: number;
}

export interface ReplicaLag {
  readonly replica: number;
  /** Bytes of the primary's log the replica has not replayed yet; null when unreachable. */
  readonly bytes: number | null;
  /** Seconds since the last transaction it replayed committed on the primary; null when none yet. */
  readonly seconds: number | null;
}

const REPLAY_LSN = 'SELECT coalesce(pg_last_wal_replay_lsn(), pg_current_wal_insert_lsn())::text AS lsn';
const INSERT_LSN = 'SELECT pg_current_wal_insert_lsn()::text AS lsn';

/**
 * Sends reads that may be a moment old (history, searches) to the streaming replicas,
 * in turn, and everything else to the primary. A read that must include a client's own write
 * names that write's position (`readAfter`): it runs on a replica once the replica has replayed
 * that far, or on the primary if that takes longer than `waitMs` or the replica does not answer.
 * Writes never come here.
 */
export class ReadRouting {
  private turn = 0;

  constructor(
    private readonly primary: Sql,
    private readonly replicas: readonly Sql[],
    private readonly options: ReadRoutingOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any replica is configured (writes then tell clients their position). */
  get replicated(): boolean {
    return this.replicas.length > 0;
  }

  /** The primary's log position now: a read that includes it includes every write committed so far. */
  async primaryLsn(): Promise<bigint> {
    const [row] = await this.primary.unsafe<Array<{ lsn: string }>>(INSERT_LSN);
    return parseLsn(row!.lsn)!;
  }

  /** Where a read runs; `readAfter` is ignored when no replica is configured (everything is on the primary). */
  async route(readAfter: bigint | null): Promise<ReadRoute> {
    if (this.replicas.length === 0) return { sql: this.primary, source: 'primary', lsn: null };
    const replica = this.replicas[this.turn++ % this.replicas.length]!;
    const deadline = this.now() + this.options.waitMs;
    try {
      for (;;) {
        const [row] = await replica.unsafe<Array<{ lsn: string }>>(REPLAY_LSN);
        const replayed = parseLsn(row!.lsn)!;
        if (readAfter === null || replayed >= readAfter) return { sql: replica, source: 'replica', lsn: replayed };
        if (this.now() >= deadline) break;
        await delay(this.options.pollMs ?? 10);
      }
    } catch {
      // The replica does not answer: the primary serves the read.
    }
    return { sql: this.primary, source: 'primary', lsn: await this.primaryLsn() };
  }

  /** Each replica's lag behind the primary, for monitoring and the bench. */
  async lag(): Promise<ReplicaLag[]> {
    const primaryLsn = await this.primaryLsn();
    return Promise.all(
      this.replicas.map(async (replica, index): Promise<ReplicaLag> => {
        try {
          const [row] = await replica<Array<{ lsn: string | null; seconds: number | null }>>`
            SELECT pg_last_wal_replay_lsn()::text AS lsn, extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS seconds`;
          const replayed = row!.lsn === null ? primaryLsn : parseLsn(row!.lsn)!;
          return { replica: index, bytes: Number(primaryLsn > replayed ? primaryLsn - replayed : 0n), seconds: row!.seconds };
        } catch {
          return { replica: index, bytes: null, seconds: null };
        }
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.end({ timeout: 5 })));
  }
}
