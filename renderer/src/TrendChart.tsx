import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendSeries } from '../../gateway/protocol/ui-channel.js';
import { VITALS } from '../../gateway/protocol/vitals.js';
import { unitLabel } from './BedTile.js';

/** One vital over time, drawn on canvas by uPlot: mean line with the min-max band around it. */
export interface AlarmMark {
  readonly at: number;
  readonly priority: 'PH' | 'PM' | 'PL';
}
const MARK_COLOUR = { PH: '#ff3b30', PM: '#ffd60a', PL: '#64d2ff' } as const;

export function TrendChart({ series, color, width, marks }: { series: TrendSeries; color: string; width: number; marks: readonly AlarmMark[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const xs = series.points.map((p) => p.ts / 1000);
    const data: uPlot.AlignedData = [xs, series.points.map((p) => p.avg), series.points.map((p) => p.min), series.points.map((p) => p.max)];
    const plot = new uPlot(
      {
        width,
        height: 150,
        title: `${VITALS[series.code].label} (${unitLabel(series.code)})`,
        scales: { x: { time: true } },
        axes: [
          { stroke: '#8b98a5', grid: { stroke: '#1f2a35' } },
          { stroke: '#8b98a5', grid: { stroke: '#1f2a35' } },
        ],
        series: [{}, { label: 'mean', stroke: color, width: 1.5 }, { label: 'min', stroke: color, width: 0.5, dash: [4, 4] }, { label: 'max', stroke: color, width: 0.5, dash: [4, 4] }],
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        hooks: {
          // Alarm starts as vertical lines in their priority colour.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              for (const m of marks) {
                const x = u.valToPos(m.at / 1000, 'x', true);
                if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
                ctx.strokeStyle = MARK_COLOUR[m.priority];
                ctx.lineWidth = 2;
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
              }
              ctx.restore();
            },
          ],
        },
      },
      data,
      host.current,
    );
    return () => plot.destroy();
  }, [series, color, width, marks]);
  return <div ref={host} className="trend-chart" data-testid={`trend-${series.code}`} />;
}
