/**
 * Pure arithmetic over rollup buckets (min, max, sum, count per vital and time) for the vitals
 * report: the chart's time axis, the width of a drawn bucket, and the time outside limits.
 */
export interface RollupBucket {
  readonly t: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly count: number;
}

const HOUR = 3_600_000;

/**
 * The charts' time axis: the whole period when the data covers most of it, else the span of
 * the data rounded out to whole hours, so an hour of data is not a vertical stroke at the
 * edge of an empty day. `whole` says which, for the caption.
 */
export function chartAxis(from: number, to: number, times: readonly number[]): { from: number; to: number; whole: boolean } {
  if (times.length === 0) return { from, to, whole: true };
  const first = Math.min(...times);
  const last = Math.max(...times);
  if (last - first >= 0.75 * (to - from)) return { from, to, whole: true };
  const a = Math.max(from, Math.floor(first / HOUR) * HOUR);
  const b = Math.min(to, Math.max(a + HOUR, Math.ceil(last / HOUR) * HOUR));
  return { from: a, to: b, whole: a === from && b === to };
}

const WIDTHS_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360];

/** The drawn bucket: the finest multiple of the rollup that keeps a chart at most ~300 buckets wide. */
export function displayBucketMs(span: number, rollupMs: number): number {
  for (const minutes of WIDTHS_MINUTES) {
    const width = minutes * 60_000;
    if (width >= rollupMs && width % rollupMs === 0 && span / width <= 300) return width;
  }
  return 360 * 60_000;
}

/** Rollup buckets folded into drawn buckets aligned on `from`: min of mins, max of maxes, the weighted mean. */
export function foldBuckets(buckets: readonly RollupBucket[], from: number, width: number): Array<{ t: number; min: number; mean: number; max: number }> {
  const out = new Map<number, { t: number; min: number; max: number; sum: number; count: number }>();
  for (const b of buckets) {
    const t = from + Math.floor((b.t - from) / width) * width;
    const slot = out.get(t);
    if (slot) {
      slot.min = Math.min(slot.min, b.min);
      slot.max = Math.max(slot.max, b.max);
      slot.sum += b.sum;
      slot.count += b.count;
    } else out.set(t, { t, min: b.min, max: b.max, sum: b.sum, count: b.count });
  }
  return [...out.values()].sort((a, b) => a.t - b.t).map((s) => ({ t: s.t, min: s.min, mean: s.sum / s.count, max: s.max }));
}

/**
 * Buckets closer than this belong to one stretch of monitoring: one and a half times the usual
 * spacing of this vital's buckets (every bucket for a monitor's heart rate, every few for a
 * temperature taken every five minutes), and never less than one and a half buckets.
 */
export function joinDistance(times: readonly number[], bucketMs: number): number {
  const spacings = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const usual = spacings.length ? spacings[Math.floor(spacings.length / 2)]! : bucketMs;
  return 1.6 * Math.max(usual, bucketMs);
}

/**
 * Time below and above limits, weighted by time: a bucket stands for the time until the next
 * one within the same stretch of monitoring (a temperature holds until the next reading), else
 * for its own width; it counts whole on the side its mean is on. The monitored time is what the
 * buckets stand for, so a gap is neither in range nor out of it.
 */
export function limitExposure(buckets: readonly RollupBucket[], rollupMs: number, limits: { low?: number; high?: number }) {
  const hold = joinDistance(buckets.map((b) => b.t), rollupMs);
  let belowMs = 0;
  let aboveMs = 0;
  let monitoredMs = 0;
  let bucketsBelow = 0;
  let bucketsAbove = 0;
  buckets.forEach((b, i) => {
    const next = buckets[i + 1];
    const covers = next && next.t - b.t <= hold ? next.t - b.t : rollupMs;
    monitoredMs += covers;
    const mean = b.sum / b.count;
    if (limits.low !== undefined && mean < limits.low) {
      belowMs += covers;
      bucketsBelow++;
    } else if (limits.high !== undefined && mean > limits.high) {
      aboveMs += covers;
      bucketsAbove++;
    }
  });
  return { belowMs, aboveMs, bucketsBelow, bucketsAbove, buckets: buckets.length, monitoredMs };
}
