/**
 * Choosing the resolution of a history request (pure). Short ranges come raw; longer ones in
 * buckets sized so a chart gets at most `maxPoints` per vital, read from the coarsest rollup
 * that divides the bucket (1 minute, 5 minutes, 1 hour or 1 day), never from raw rows. The read
 * costs one rollup row per source bucket, so 24 hours in 5-minute buckets reads 288 rows a vital.
 */
export type Rollup = 'vitals_1m' | 'vitals_5m' | 'vitals_1h' | 'vitals_1d';

export type Resolution = { readonly kind: 'raw' } | { readonly kind: 'bucket'; readonly seconds: number; readonly source: Rollup };

/** Bucket widths offered, in seconds. */
export const BUCKET_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800] as const;
export const RAW_MAX_RANGE_MS = 30 * 60_000;
/** About one candle (min–max with mean) per 3 px of a full-width chart. */
export const DEFAULT_MAX_POINTS = 300;

export function sourceFor(seconds: number): Rollup {
  if (seconds % 86400 === 0) return 'vitals_1d';
  if (seconds % 3600 === 0) return 'vitals_1h';
  if (seconds % 300 === 0) return 'vitals_5m';
  return 'vitals_1m';
}

export function chooseResolution(rangeMs: number, requested: 'auto' | 'raw' | number = 'auto', maxPoints = DEFAULT_MAX_POINTS): Resolution {
  if (requested === 'raw') return { kind: 'raw' };
  if (typeof requested === 'number') return { kind: 'bucket', seconds: requested, source: sourceFor(requested) };
  if (rangeMs <= RAW_MAX_RANGE_MS) return { kind: 'raw' };
  const seconds = BUCKET_STEPS.find((step) => rangeMs / (step * 1000) <= maxPoints) ?? BUCKET_STEPS[BUCKET_STEPS.length - 1];
  return { kind: 'bucket', seconds, source: sourceFor(seconds) };
}
