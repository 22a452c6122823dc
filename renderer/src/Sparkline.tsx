import { useEffect, useRef } from 'react';
import type { Ring } from './sparkline-store.js';
import { SPARK_WINDOW_MS } from './sparkline-store.js';

/**
 * A tiny canvas trend (not SVG: hundreds of tiles). Drawn when the tile's clock ticks, once a
 * second, not on every pushed update. `color` must be a real colour: a canvas cannot resolve CSS
 * variables.
 */
export function Sparkline({ ring, color, min, max, now }: { ring: Ring; color: string; min: number; max: number; now: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const { width, height } = el;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    const from = now - SPARK_WINDOW_MS;
    let started = false;
    let lastTs = 0;
    ring.forEach(from, (ts, value) => {
      const x = ((ts - from) / SPARK_WINDOW_MS) * width;
      const y = height - ((Math.min(max, Math.max(min, value)) - min) / (max - min)) * (height - 4) - 2;
      // More than 30 s without data is a gap, not a straight line.
      if (started && ts - lastTs <= 30_000) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      started = true;
      lastTs = ts;
    });
    ctx.stroke();
  }, [ring, color, min, max, now]);
  return <canvas ref={canvas} className="sparkline" width={200} height={36} aria-hidden="true" data-testid="sparkline" />;
}
