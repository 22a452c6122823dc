/**
 * How long a vital was beyond its limit within a trailing window, from the samples seen so far.
 * Each sample's state (beyond or not) holds until the next sample, so a device reporting every
 * 5 s counts the same as one reporting every second. Pure: time is passed in.
 *
 * Only changes of state are kept, so memory follows how often the value crosses the limit, not
 * the sample rate; a hostile or broken device crossing it thousands of times per window is capped
 * at MAX_CHANGES (the oldest changes are forgotten, which shortens the window it can see).
 */
const MAX_CHANGES = 512;

export class TimeBeyondLimit {
  private readonly changes: Array<{ at: number; beyond: boolean }> = [];

  record(at: number, beyond: boolean): void {
    const last = this.changes[this.changes.length - 1];
    if (last && at < last.at) at = last.at; // a clock step back must not make time negative
    if (last && last.beyond === beyond) return;
    this.changes.push({ at, beyond });
    if (this.changes.length > MAX_CHANGES) this.changes.shift();
  }

  /** Milliseconds beyond the limit in the window (now - windowMs, now]. Use one window per instance: older changes are dropped. */
  within(now: number, windowMs: number): number {
    const from = now - windowMs;
    // Everything that ended before the window is no longer needed (keep the one it starts in).
    while (this.changes.length > 1 && this.changes[1]!.at <= from) this.changes.shift();
    let total = 0;
    for (let i = 0; i < this.changes.length; i++) {
      const change = this.changes[i]!;
      if (!change.beyond) continue;
      const start = Math.max(change.at, from);
      const end = Math.min(this.changes[i + 1]?.at ?? now, now);
      if (end > start) total += end - start;
    }
    return total;
  }
}
