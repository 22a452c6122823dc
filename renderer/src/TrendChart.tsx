import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendSeries } from '../../gateway/protocol/ui-channel.js';
import { VITALS } from '../../gateway/protocol/vitals.js';
import { unitLabel } from './BedTile.js';
import { chartColumns } from './trend-data.js';
import { clockTime, dayMonth } from './time-format.js';

/** Alarm starts drawn on the charts. */
export interface AlarmMark {
  readonly at: number;
  readonly priority: 'PH' | 'PM' | 'PL';
}
const MARK_COLOUR = { PH: '#ff3b30', PM: '#ffd60a', PL: '#64d2ff' } as const;
const AXIS = { stroke: '#8b98a5', grid: { stroke: '#1f2a35' } };

/** Time axis labels in the station's locale, 24-hour; the date where a window spans days. */
function timeAxis(from: number, to: number): uPlot.Axis {
  const days = to - from > 24 * 3600_000;
  return { ...AXIS, values: (_u, splits) => splits.map((s) => (days ? `${dayMonth(s * 1000)} ${clockTime(s * 1000, undefined, false)}` : clockTime(s * 1000, undefined, false))) };
}

/** Marks alarm starts as vertical lines in their priority colour. */
function alarmMarks(marks: readonly AlarmMark[]) {
  return (u: uPlot) => {
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
  };
}

/** Reports on the host element what uPlot actually drew: the x range shown. */
function reportScale(host: HTMLElement) {
  return (u: uPlot) => {
    host.dataset.xMin = String(u.scales.x!.min);
    host.dataset.xMax = String(u.scales.x!.max);
  };
}

export interface ChartWindow {
  readonly from: number;
  readonly to: number;
}

/**
 * One vital over exactly the chosen window, drawn on canvas by uPlot: mean line with the min-max
 * band around it, broken where data is missing.
 */
export function TrendChart({ series, color, width, marks, window }: { series: TrendSeries; color: string; width: number; marks: readonly AlarmMark[]; window: ChartWindow }) {
  const host = useRef<HTMLDivElement>(null);
  const columns = useMemo(() => chartColumns(series), [series]);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const data: uPlot.AlignedData = [columns.xs, columns.avg, columns.min, columns.max];
    const plot = new uPlot(
      {
        width,
        height: 150,
        title: `${VITALS[series.code].label} (${unitLabel(series.code)})`,
        scales: { x: { time: true, range: () => [window.from / 1000, window.to / 1000] } },
        axes: [timeAxis(window.from, window.to), AXIS],
        series: [{}, { label: 'mean', stroke: color, width: 1.5, points: { show: columns.xs.length === 1 } }, { label: 'min', stroke: color, width: 0.5, dash: [4, 4] }, { label: 'max', stroke: color, width: 0.5, dash: [4, 4] }],
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        hooks: { draw: [alarmMarks(marks), reportScale(el)] },
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [columns.xs, columns.avg, columns.min, columns.max, series.code, color, width, marks, window.from, window.to]);
  return <div ref={host} className="trend-chart" data-testid={`trend-${series.code}`} data-segments={columns.segments} />;
}

/**
 * NIBP is measured now and then, not continuously: each measurement is a point (systolic above
 * diastolic) with its time listed below, greyed once older than `staleMs`.
 */
export function NibpChart({ systolic, diastolic, width, marks, window, now, staleMs }: { systolic: TrendSeries; diastolic: TrendSeries; width: number; marks: readonly AlarmMark[]; window: ChartWindow; now: number; staleMs: number }) {
  const host = useRef<HTMLDivElement>(null);
  const measurements = useMemo(() => {
    const diaAt = new Map(diastolic.points.map((p) => [p.ts, p.avg]));
    return systolic.points.map((p) => ({ ts: p.ts, sys: Math.round(p.avg), dia: diaAt.has(p.ts) ? Math.round(diaAt.get(p.ts)!) : null }));
  }, [systolic, diastolic]);
  const stale = measurements.length === 0 || now - measurements[measurements.length - 1]!.ts > staleMs;
  const colour = stale ? '#5c6773' : '#f0f3f6';
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const data: uPlot.AlignedData = [measurements.map((m) => m.ts / 1000), measurements.map((m) => m.sys), measurements.map((m) => m.dia)];
    const point = { show: true, size: 8, fill: colour, stroke: colour };
    const plot = new uPlot(
      {
        width,
        height: 150,
        title: 'NIBP (mmHg)',
        scales: { x: { time: true, range: () => [window.from / 1000, window.to / 1000] } },
        axes: [timeAxis(window.from, window.to), AXIS],
        series: [{}, { label: 'systolic', stroke: colour, paths: () => null, points: point }, { label: 'diastolic', stroke: colour, paths: () => null, points: { ...point, fill: '#0f151c' } }],
        legend: { show: false },
        hooks: { draw: [alarmMarks(marks), reportScale(el)] },
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [measurements, width, marks, window.from, window.to, colour]);
  return (
    <div className={`nibp${stale ? ' stale' : ''}`} data-testid="trend-NIBP" data-stale={stale}>
      <div ref={host} className="trend-chart" />
      <ul className="nibp-list" aria-label="NIBP measurements">
        {measurements.length === 0 && <li>No NIBP measured in this window.</li>}
        {[...measurements].reverse().map((m) => (
          <li key={m.ts} data-testid="nibp-measurement">
            <time dateTime={new Date(m.ts).toISOString()}>{clockTime(m.ts, undefined, false)}</time> {m.sys}
            {m.dia !== null ? `/${m.dia}` : ''} mmHg
          </li>
        ))}
      </ul>
    </div>
  );
}
