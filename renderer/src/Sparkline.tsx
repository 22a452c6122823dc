import { useEffect, useRef } from 'react';
import type { Ring } from './sparkline-store.js';
import { SPARK_WINDOW_MS } from './sparkline-store.js';

/** A tiny canvas trend (not SVG: hundreds of tiles redraw every second). */
export function Sparkline({ ring, color, min, max, version, now }: { ring: Ring; color: string; min: number; max: number; version: number; now: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const { width, height } = el;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const from = now - SPARK_WINDOW_MS;
    let started = false;
    ring.forEach(from, (ts, value) => {
      const x = ((ts - from) / SPARK_WINDOW_MS) * width;
      const y = height - ((Math.min(max, Math.max(min, value)) - min) / (max - min)) * (height - 2) - 1;
      if (started) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      started = true;
    });
    ctx.stroke();
  }, [ring, color, min, max, version, now]);
  return <canvas ref={canvas} className="sparkline" width={140} height={28} aria-hidden="true" />;
}
