import type { Ring } from './sparkline-store.js';
import { SPARK_WINDOW_MS } from './sparkline-store.js';

const WIDTH = 200;
const HEIGHT = 36;
/** More than this without data is a gap, not a straight line. */
const GAP_MS = 30_000;

/** The SVG path of a ring's last window: `M` starts each stretch of data, `L` continues it. */
export function sparkPath(ring: Ring, now: number, min: number, max: number): string {
  const from = now - SPARK_WINDOW_MS;
  let path = '';
  let lastTs = -Infinity;
  ring.forEach(from, (ts, value) => {
    const x = (((ts - from) / SPARK_WINDOW_MS) * WIDTH).toFixed(1);
    const y = (HEIGHT - ((Math.min(max, Math.max(min, value)) - min) / (max - min)) * (HEIGHT - 4) - 2).toFixed(1);
    path += `${ts - lastTs <= GAP_MS ? 'L' : 'M'}${x} ${y}`;
    lastTs = ts;
  });
  return path;
}

/**
 * A tiny trend of the last 10 minutes, redrawn when the tile's clock ticks (once a second). SVG
 * rather than canvas: a path is painted with the tile, while every canvas is a layer of its own
 * for the compositor, which at 96 sparklines on screen cost more than everything else while
 * scrolling.
 */
export function Sparkline({ ring, color, min, max, now }: { ring: Ring; color: string; min: number; max: number; now: number }) {
  return (
    <svg className="sparkline" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" aria-hidden="true" data-testid="sparkline">
      <path d={sparkPath(ring, now, min, max)} stroke={color} strokeWidth={2} fill="none" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
