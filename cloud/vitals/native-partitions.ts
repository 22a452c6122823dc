import type { Sql } from '../db/sql.js';

const DAY_MS = 86_400_000;
const PARTITION_LOCK_ID = 7_400_003;

const dayName = (dayStart: number): string => new Date(dayStart).toISOString().slice(0, 10).replaceAll('-', '');
const dayLiteral = (dayStart: number): string => new Date(dayStart).toISOString().slice(0, 10);

/**
 * Native mode's daily partitions of `vitals` (UTC days): created ahead of time by maintenance
 * and on demand when a batch brings a day not seen yet (a station catching up after days
 * offline), dropped whole when past retention (no row-by-row DELETE, no bloat). DDL runs in its
 * own short transaction per day under an advisory lock, never inside an ingest transaction.
 *
 * A day is made as a plain table and then attached: `CREATE TABLE ... PARTITION OF` would take an
 * ACCESS EXCLUSIVE lock on `vitals`, wait for every open ingest and make every later one wait
 * behind it, so one station catching up would stall all the others. ATTACH PARTITION takes SHARE
 * UPDATE EXCLUSIVE, which inserts and reads do not conflict with. How many days an ingest can ask
 * for is bounded by the sample time window (retention back, minutes ahead).
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
    for (const day of missing) {
      const name = `vitals_p${dayName(day)}`;
      await this.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${PARTITION_LOCK_ID})`;
        const [attached] = await tx`SELECT 1 FROM pg_inherits WHERE inhparent = 'vitals'::regclass AND inhrelid = to_regclass(${name})`;
        if (attached) return;
        const from = `${dayLiteral(day)} 00:00:00+00`;
        const to = `${dayLiteral(day + DAY_MS)} 00:00:00+00`;
        // A table of that name left detached keeps its rows: it is attached again (after a scan).
        await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${name} (LIKE vitals INCLUDING DEFAULTS)`);
        await tx.unsafe(`ALTER TABLE vitals ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
      });
      this.known.add(day);
    }
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
