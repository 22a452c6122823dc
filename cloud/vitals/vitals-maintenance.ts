import type { StorageMode } from '../db/migration.js';
import type { Sql } from '../db/sql.js';
import type { NativePartitions } from './native-partitions.js';

const DAY_MS = 86_400_000;

/**
 * TimescaleDB mode: the policies, set at every start from the configuration (idempotent), so a
 * changed retention takes effect on restart. TimescaleDB's own job scheduler runs them.
 */
export function timescalePolicies(retentionDays: number): string[] {
  return [
    `SELECT remove_compression_policy('vitals', if_exists => true)`,
    `SELECT add_compression_policy('vitals', compress_after => INTERVAL '2 days')`,
    `SELECT remove_retention_policy('vitals', if_exists => true)`,
    `SELECT add_retention_policy('vitals', drop_after => INTERVAL '${retentionDays} days')`,
    `SELECT remove_continuous_aggregate_policy('vitals_1m', if_exists => true)`,
    `SELECT add_continuous_aggregate_policy('vitals_1m', start_offset => INTERVAL '31 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute')`,
    `SELECT remove_continuous_aggregate_policy('vitals_5m', if_exists => true)`,
    `SELECT add_continuous_aggregate_policy('vitals_5m', start_offset => INTERVAL '31 days', end_offset => INTERVAL '5 minutes', schedule_interval => INTERVAL '5 minutes')`,
    `SELECT remove_continuous_aggregate_policy('vitals_1h', if_exists => true)`,
    `SELECT add_continuous_aggregate_policy('vitals_1h', start_offset => INTERVAL '31 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes')`,
    `SELECT remove_continuous_aggregate_policy('vitals_1d', if_exists => true)`,
    `SELECT add_continuous_aggregate_policy('vitals_1d', start_offset => INTERVAL '62 days', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 hour')`,
    `SELECT remove_retention_policy('vitals_1m', if_exists => true)`,
    `SELECT add_retention_policy('vitals_1m', drop_after => INTERVAL '${retentionDays * 2} days')`,
    `SELECT remove_retention_policy('vitals_5m', if_exists => true)`,
    `SELECT add_retention_policy('vitals_5m', drop_after => INTERVAL '${retentionDays * 4} days')`,
  ];
}

/**
 * The service's own housekeeping, run at start and then hourly by every replica (each step is
 * safe to run concurrently): native partitions ahead and retention, TimescaleDB policies at
 * start, old batch receipts and expired refresh tokens.
 */
export class VitalsMaintenance {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly mode: StorageMode,
    private readonly partitions: NativePartitions | null,
    private readonly retentionDays: number,
    private readonly logger: { info(o: object, m: string): void; warn(o: object, m: string): void },
    private readonly now: () => number = Date.now,
  ) {}

  async start(intervalMs = 3600_000): Promise<void> {
    if (this.mode === 'timescaledb') for (const statement of timescalePolicies(this.retentionDays)) await this.sql.unsafe(statement);
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce().catch((error: Error) => this.logger.warn({ err: error.message }, 'maintenance failed')), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async runOnce(): Promise<void> {
    const now = this.now();
    if (this.partitions) {
      await this.partitions.load();
      await this.partitions.ensure(now - DAY_MS, now + 7 * DAY_MS);
      const cutoff = now - this.retentionDays * DAY_MS;
      const dropped = await this.partitions.dropOlderThan(cutoff);
      const cutoffIso = new Date(cutoff).toISOString();
      await this.sql`DELETE FROM vitals_1m WHERE bucket < ${new Date(now - 2 * this.retentionDays * DAY_MS).toISOString()}::timestamptz`;
      await this.sql`DELETE FROM vitals_5m WHERE bucket < ${new Date(now - 4 * this.retentionDays * DAY_MS).toISOString()}::timestamptz`;
      if (dropped.length > 0) this.logger.info({ dropped: dropped.length, cutoff: cutoffIso }, 'vitals partitions dropped past retention');
    }
    await this.sql`DELETE FROM station_batches WHERE received_at < now() - interval '30 days'`;
    await this.sql`DELETE FROM security_events WHERE at < now() - interval '400 days'`;
    await this.sql`DELETE FROM refresh_tokens WHERE expires_at < now() - interval '7 days'`;
    // Counters and lock history are kept a day; "signed in from this address" marks 30 days.
    await this.sql`DELETE FROM login_throttle WHERE CASE WHEN key LIKE 'ok:%' THEN window_start < now() - interval '30 days'
      ELSE window_start < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now()) END`;
  }
}
