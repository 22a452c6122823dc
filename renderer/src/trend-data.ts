import type { TrendSeries } from '../../gateway/protocol/ui-channel.js';

/** Shortest silence drawn as a gap: monitors send every few seconds, so a minute is a real hole. */
export const MIN_GAP_MS = 60_000;

export interface ChartColumns {
  /** Seconds (uPlot's time unit). */
  readonly xs: number[];
  readonly avg: Array<number | null>;
  readonly min: Array<number | null>;
  readonly max: Array<number | null>;
  /** Stretches of continuous data: one more than the gaps. */
  readonly segments: number;
}

/**
 * Chart columns from a trend, with a null between points further apart than three buckets (or a
 * minute): a line across missing data would pretend the patient was measured there.
 */
export function chartColumns(series: Pick<TrendSeries, 'bucketMs' | 'points'>): ChartColumns {
  const gapMs = Math.max(3 * series.bucketMs, MIN_GAP_MS);
  const columns: ChartColumns = { xs: [], avg: [], min: [], max: [], segments: series.points.length > 0 ? 1 : 0 };
  let previous: number | null = null;
  for (const p of series.points) {
    if (previous !== null && p.ts - previous > gapMs) {
      columns.xs.push((previous + p.ts) / 2000);
      columns.avg.push(null);
      columns.min.push(null);
      columns.max.push(null);
      (columns as { segments: number }).segments++;
    }
    columns.xs.push(p.ts / 1000);
    columns.avg.push(p.avg);
    columns.min.push(p.min);
    columns.max.push(p.max);
    previous = p.ts;
  }
  return columns;
}
