import { run, type Sql } from '../db/sql.js';

const DAY_MS = 86_400_000;

/** Doctors that are not yet kept through $1, after $2 (keyset), in id order. */
const DOCTORS_BEHIND = `
SELECT d.id FROM doctors d LEFT JOIN open_slots_doctors o ON o.doctor_id = d.id
WHERE (o.through IS NULL OR o.through < $1::date) AND d.id > $2::bigint
ORDER BY d.id LIMIT $3`;

/**
 * The local date through which the table is complete for every doctor: the least `through`, and
 * none while any doctor is not kept at all (or nothing was asked yet).
 */
const COMPLETE_THROUGH = `
SELECT CASE WHEN h.through IS NULL OR x.missing THEN NULL ELSE to_char(least(h.through, x.least_through), 'YYYY-MM-DD') END AS through
FROM open_slots_horizon h,
     LATERAL (SELECT bool_or(o.through IS NULL) AS missing, min(o.through) AS least_through
              FROM doctors d LEFT JOIN open_slots_doctors o ON o.doctor_id = d.id) x`;

export interface OpenSlotsRun {
  /** Local date the table was asked to reach. */
  readonly target: string;
  readonly doctors: number;
  readonly slotsAdded: number;
  readonly seconds: number;
}

/**
 * Keeps the table of free slots (migration 5) reaching `days` ahead: at start and then hourly,
 * every replica extends the doctors that are behind, a chunk of doctors per transaction (each
 * chunk holds its doctors' locks only briefly, so bookings are never held up for long), and drops
 * slots that are over. Safe to run on several replicas at once. `through()` is what searches may
 * read from the table; later dates are computed, so a replica that is behind is only slower.
 */
export class OpenSlots {
  private completeThrough: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<OpenSlotsRun> | null = null;

  constructor(
    private readonly sql: Sql,
    readonly days: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Local date (YYYY-MM-DD) through which every doctor's free slots are in the table, or null. */
  through(): string | null {
    return this.completeThrough;
  }

  /** Runs once now (in the background) and then every `intervalMs`; errors go to `onError`. */
  start(onError: (error: Error) => void, intervalMs = 3600_000): Promise<OpenSlotsRun | null> {
    const once = () => this.maintain().catch((error: Error) => (onError(error), null));
    this.timer = setInterval(() => void once(), intervalMs);
    this.timer.unref();
    return once();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One maintenance pass (a second call while one runs joins it). */
  maintain(): Promise<OpenSlotsRun> {
    this.running ??= this.extend().finally(() => (this.running = null));
    return this.running;
  }

  private async extend(): Promise<OpenSlotsRun> {
    const started = performance.now();
    const target = new Date(this.now() + this.days * DAY_MS).toISOString().slice(0, 10);
    // First the target, so doctors created meanwhile start there (migration 5's doctor trigger).
    await this.sql`UPDATE open_slots_horizon SET through = greatest(through, ${target}::date)`;
    // About 30,000 new rows per transaction on a first fill, a few hundred doctors on a daily step.
    const chunk = Math.max(1, Math.min(500, Math.floor(30_000 / (Math.max(1, this.days) * 15))));
    let after = 0;
    let doctors = 0;
    let slotsAdded = 0;
    for (;;) {
      const ids = (await run<{ id: number }>(this.sql, DOCTORS_BEHIND, [target, after, chunk])).map((r) => r.id);
      if (ids.length === 0) break;
      const [{ added }] = await this.sql<[{ added: number }]>`SELECT open_slots_extend(${ids}::bigint[], ${target}::date) AS added`;
      doctors += ids.length;
      slotsAdded += added;
      after = ids[ids.length - 1]!;
    }
    const [row] = await run<{ through: string | null }>(this.sql, COMPLETE_THROUGH);
    this.completeThrough = row?.through ?? null;
    return { target, doctors, slotsAdded, seconds: (performance.now() - started) / 1000 };
  }
}
