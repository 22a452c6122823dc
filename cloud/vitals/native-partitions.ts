import type { Sql } from '../db/sql.js';

const DAY_MS = 86_400_000;
const PARTITION_LOCK_ID = 7_400_003;

const dayName = (dayStart: number): string => new Date(dayStart).toISOString().slice(0, 10).replaceAll('-', '');
const dayLiteral = (dayStart: number): string => new Date(dayStart).toISOString().slice(0, 10);

/**
 * Native mode's daily partitions of `vitals` (UTC days): created ahead of time by maintenance
 * and on demand when a batch brings a day not seen yet (a station catching up after days
 * offline), dropped whole when past retention (no row-by-row DELETE, no bloat). DDL runs in its
 * own short transaction under an advisory lock, never inside an ingest transaction.
 */
export class NativePartitions {
  private readonly known = new Set<number>();

  constructor(private readonly sql: Sql) {}

  async load(): Promise<void> {
    const rows = await this.sql<Array<{ name: string }>>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'vitals'::regclass`;
    this.known.clear();
    for (const { name } of rows) {
      const match = /^vitals_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (match) this.known.add(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    }
  }

  /** Makes sure every day from `fromMs` to `toMs` has its partition. */
  async ensure(fromMs: number, toMs: number): Promise<void> {
    const missing: number[] = [];
    for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day <= toMs; day += DAY_MS) if (!this.known.has(day)) missing.push(day);
    if (missing.length === 0) return;
    await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${PARTITION_LOCK_ID})`;
      for (const day of missing) {
        await tx.unsafe(`CREATE TABLE IF NOT EXISTS vitals_p${dayName(day)} PARTITION OF vitals
          FOR VALUES FROM ('${dayLiteral(day)} 00:00:00+00') TO ('${dayLiteral(day + DAY_MS)} 00:00:00+00')`);
      }
    });
    for (const day of missing) this.known.add(day);
  }

  /** Drops the partitions wholly older than the retention; returns their names. */
  async dropOlderThan(cutoffMs: number): Promise<string[]> {
    await this.load();
    const old = [...this.known].filter((day) => day + DAY_MS <= cutoffMs).sort((a, b) => a - b);
    const dropped: string[] = [];
    for (const day of old) {
      await this.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${PARTITION_LOCK_ID})`;
        await tx.unsafe(`DROP TABLE IF EXISTS vitals_p${dayName(day)}`);
      });
      this.known.delete(day);
      dropped.push(`vitals_p${dayName(day)}`);
    }
    return dropped;
  }
}
