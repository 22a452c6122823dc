import { timeTicks } from './local-time.js';
import { joinDistance } from './vitals-buckets.js';
import { contentWidth, ensureSpace, INK, label, MUTED, PAGE } from './pdf-layout.js';
import type { BandChartBlock, OnsetMarker, ReadingsChartBlock, StackedBarsBlock, TimeAxis } from './report-model.js';

const Y_AXIS = 34;
const RIGHT_LABELS = 40;
const GRID = '#d9d9d9';
const NO_DATA = '#ececec';

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  x(t: number): number;
  y(v: number): number;
  lo: number;
  hi: number;
}

function frame(doc: PDFKit.PDFDocument, axis: TimeAxis, top: number, height: number, lo: number, hi: number): Frame {
  const left = PAGE.left + Y_AXIS;
  const width = contentWidth(doc) - Y_AXIS - RIGHT_LABELS;
  return {
    left, top, width, height, lo, hi,
    x: (t) => left + ((t - axis.from) / (axis.to - axis.from)) * width,
    y: (v) => top + height - ((v - lo) / (hi - lo)) * height,
  };
}

/** The smallest step of 1, 2 or 5 × 10ⁿ that cuts `span` into at most `count` + 1 intervals. */
export function niceStep(span: number, count: number): number {
  const power = 10 ** Math.floor(Math.log10(span / count));
  return ([1, 2, 5, 10].find((m) => span / (m * power) <= count + 1) ?? 10) * power;
}

/** Value range of a panel: the data and the limits, padded so nothing sits on the frame. */
function valueRange(values: number[], padding = 0.08): { lo: number; hi: number } {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * padding;
  return { lo: lo - pad, hi: hi + pad };
}

function drawYAxis(doc: PDFKit.PDFDocument, f: Frame, decimals: number, count: number, integers = false): void {
  let step = niceStep(f.hi - f.lo, count);
  if (integers) step = Math.max(1, Math.round(step));
  doc.lineWidth(0.3).strokeColor(GRID);
  for (let v = Math.ceil(f.lo / step) * step; v <= f.hi + 1e-9; v += step) {
    const y = f.y(v);
    doc.moveTo(f.left, y).lineTo(f.left + f.width, y).stroke();
    label(doc, v.toFixed(step < 1 ? Math.max(decimals, 1) : 0), PAGE.left, y - 3.5, { size: 6.5, width: Y_AXIS - 4, align: 'right' });
  }
}

function drawTimeAxis(doc: PDFKit.PDFDocument, f: Frame, axis: TimeAxis, labels: boolean): void {
  for (const tick of timeTicks(axis.from, axis.to, axis.timeZone)) {
    const x = f.x(tick.t);
    doc.lineWidth(tick.major ? 0.7 : 0.3).strokeColor(tick.major ? '#9a9a9a' : GRID).moveTo(x, f.top).lineTo(x, f.top + f.height).stroke();
    if (labels) label(doc, tick.label, x - 30, f.top + f.height + 2.5, { size: 6.5, width: 60, align: 'center', colour: tick.major ? INK : MUTED });
  }
}

function drawLimits(doc: PDFKit.PDFDocument, f: Frame, limits: { low?: number; high?: number }, decimals: number, prefix = ''): void {
  for (const [name, v] of [[`${prefix}low`, limits.low], [`${prefix}high`, limits.high]] as const) {
    if (v === undefined || v < f.lo || v > f.hi) continue;
    doc.moveTo(f.left, f.y(v)).lineTo(f.left + f.width, f.y(v)).dash(3, { space: 2 }).lineWidth(0.7).strokeColor('#6b6b6b').stroke().undash();
    label(doc, `${name} ${v.toFixed(decimals)}`, f.left + f.width + 3, f.y(v) - 3.5, { size: 6, width: RIGHT_LABELS - 3 });
  }
}

/** Alarm onsets: a triangle above the plot in the priority colour and a faint line through it. */
function drawOnsets(doc: PDFKit.PDFDocument, f: Frame, onsets: readonly OnsetMarker[]): void {
  for (const onset of onsets) {
    const x = f.x(onset.at);
    if (x < f.left || x > f.left + f.width) continue;
    doc.moveTo(x, f.top).lineTo(x, f.top + f.height).lineWidth(0.6).strokeOpacity(0.7).strokeColor(onset.colour).stroke().strokeOpacity(1);
    doc.polygon([x - 3, f.top - 6], [x + 3, f.top - 6], [x, f.top]).fillColor(onset.colour).fill();
    doc.polygon([x - 3, f.top - 6], [x + 3, f.top - 6], [x, f.top]).lineWidth(0.3).strokeColor('#333').stroke();
  }
}

function drawFrame(doc: PDFKit.PDFDocument, f: Frame): void {
  doc.rect(f.left, f.top, f.width, f.height).lineWidth(0.6).strokeColor('#7a7a7a').stroke();
}

/** Shades stretches of the axis without data so an empty period is never read as a flat line. */
function drawNoData(doc: PDFKit.PDFDocument, f: Frame, gaps: ReadonlyArray<readonly [number, number]>): void {
  for (const [a, b] of gaps) {
    const x0 = Math.max(f.left, f.x(a));
    const x1 = Math.min(f.left + f.width, f.x(b));
    if (x1 - x0 < 0.5) continue;
    doc.rect(x0, f.top, x1 - x0, f.height).fillColor(NO_DATA).fill();
    if (x1 - x0 > 34) label(doc, 'no data', x0, f.top + f.height / 2 - 3.5, { size: 6.5, width: x1 - x0, align: 'center', colour: '#8a8a8a' });
  }
}

/** Stretches between samples longer than `minGap` (and before the first, after the last). */
function gapsOf(times: readonly number[], width: number, axis: TimeAxis, minGap: number): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  let previousEnd = axis.from;
  for (const t of times) {
    if (t - previousEnd >= minGap) gaps.push([previousEnd, t]);
    previousEnd = Math.max(previousEnd, t + width);
  }
  if (axis.to - previousEnd >= minGap) gaps.push([previousEnd, axis.to]);
  return gaps;
}

export function drawBandChart(doc: PDFKit.PDFDocument, chart: BandChartBlock): void {
  const height = 64;
  chart.panels.forEach((panel) => {
    ensureSpace(doc, height + 34);
    label(doc, panel.label, PAGE.left, doc.y, { size: 8, bold: true, colour: INK });
    const values = panel.buckets.flatMap((b) => [b.min, b.max]);
    for (const v of [panel.limits.low, panel.limits.high]) if (v !== undefined) values.push(v);
    const { lo, hi } = valueRange(values);
    const f = frame(doc, chart.axis, doc.y + 16, height, lo, hi);
    const span = chart.axis.to - chart.axis.from;
    const joinWithin = joinDistance(panel.buckets.map((b) => b.t), panel.bucketMs);
    drawNoData(doc, f, gapsOf(panel.buckets.map((b) => b.t), panel.bucketMs, chart.axis, Math.max(joinWithin, span / 100)));
    drawYAxis(doc, f, panel.decimals, 5);
    drawTimeAxis(doc, f, chart.axis, true);
    drawLimits(doc, f, panel.limits, panel.decimals);
    // Band and line break wherever samples stop for longer than the vital's own sampling interval.
    type Bucket = (typeof panel.buckets)[number];
    const runs: Bucket[][] = [];
    let run: Bucket[] = [];
    for (const b of panel.buckets) {
      const last = run[run.length - 1];
      if (last && b.t - last.t > joinWithin) {
        runs.push(run);
        run = [];
      }
      run.push(b);
    }
    if (run.length) runs.push(run);
    for (const r of runs) {
      // Each bucket's band reaches the next one in its run (a vital sampled every few minutes is a band, not a comb).
      const end = (i: number) => (i + 1 < r.length ? r[i + 1]!.t : r[i]!.t + panel.bucketMs);
      const upper = r.flatMap((b, i) => [[f.x(b.t), f.y(b.max)], [f.x(end(i)), f.y(b.max)]] as Array<[number, number]>);
      const lower = r.flatMap((b, i) => [[f.x(b.t), f.y(b.min)], [f.x(end(i)), f.y(b.min)]] as Array<[number, number]>).reverse();
      doc.polygon(...upper, ...lower).fillOpacity(0.28).fillColor(panel.colour).fill().fillOpacity(1);
      const centre = (b: Bucket) => f.x(b.t + panel.bucketMs / 2);
      doc.moveTo(centre(r[0]!) - (r.length === 1 ? 1.5 : 0), f.y(r[0]!.mean));
      for (const b of r.slice(1)) doc.lineTo(centre(b), f.y(b.mean));
      if (r.length === 1) doc.lineTo(centre(r[0]!) + 1.5, f.y(r[0]!.mean));
      doc.lineWidth(1.1).strokeColor(panel.colour).stroke();
    }
    drawOnsets(doc, f, panel.onsets);
    drawFrame(doc, f);
    doc.y = f.top + f.height + 14;
  });
  doc.x = PAGE.left;
}

export function drawReadingsChart(doc: PDFKit.PDFDocument, chart: ReadingsChartBlock): void {
  const height = 84;
  ensureSpace(doc, height + 34);
  label(doc, chart.label, PAGE.left, doc.y, { size: 8, bold: true, colour: INK });
  const values = chart.readings.flatMap((r) => [r.systolic, r.diastolic, r.mean].filter((v): v is number => v !== null));
  for (const v of [chart.limits.low, chart.limits.high]) if (v !== undefined) values.push(v);
  // Wider padding: the markers reach 5 pt beyond their values.
  const { lo, hi } = valueRange(values.length ? values : [60, 140], 0.16);
  const f = frame(doc, chart.axis, doc.y + 16, height, lo, hi);
  drawYAxis(doc, f, 0, 4);
  drawTimeAxis(doc, f, chart.axis, true);
  drawLimits(doc, f, chart.limits, 0, chart.limitsOf ? `${chart.limitsOf} ` : '');
  if (chart.readings.length === 0) label(doc, 'No readings in this period', f.left, f.top + f.height / 2 - 4, { size: 7.5, width: f.width, align: 'center' });
  for (const r of chart.readings) {
    const x = f.x(r.t);
    if (r.systolic !== null && r.diastolic !== null) doc.moveTo(x, f.y(r.systolic)).lineTo(x, f.y(r.diastolic)).lineWidth(0.9).strokeColor(chart.colour).stroke();
    // Systolic ∨ (point down onto the value), diastolic ∧ (point up), the mean a dot.
    if (r.systolic !== null) doc.polygon([x - 3, f.y(r.systolic) - 5], [x + 3, f.y(r.systolic) - 5], [x, f.y(r.systolic)]).fillColor(chart.colour).fill();
    if (r.diastolic !== null) doc.polygon([x - 3, f.y(r.diastolic) + 5], [x + 3, f.y(r.diastolic) + 5], [x, f.y(r.diastolic)]).fillColor(chart.colour).fill();
    if (r.mean !== null) doc.circle(x, f.y(r.mean), 1.7).fillColor(INK).fill();
  }
  drawOnsets(doc, f, chart.onsets);
  drawFrame(doc, f);
  doc.y = f.top + f.height + 14;
  doc.x = PAGE.left;
}

export function drawStackedBars(doc: PDFKit.PDFDocument, chart: StackedBarsBlock): void {
  const height = 150;
  ensureSpace(doc, height + 30);
  const intervals = Math.max(...chart.series.map((s) => s.counts.length), 0);
  const totals = Array.from({ length: intervals }, (_, i) => chart.series.reduce((n, s) => n + (s.counts[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = Math.max(1, Math.ceil(niceStep(max, 5)));
  const top = Math.ceil((max * 1.05) / step) * step;
  label(doc, chart.yLabel, PAGE.left, doc.y, { size: 7, colour: MUTED });
  const f = frame(doc, chart.axis, doc.y + 12, height, 0, top);
  drawYAxis(doc, f, 0, top / step, true);
  drawTimeAxis(doc, f, chart.axis, true);
  const gap = Math.min(1.5, (f.x(chart.axis.from + chart.intervalMs) - f.x(chart.axis.from)) * 0.15);
  for (let i = 0; i < intervals; i++) {
    // The last interval may end after the period (a period shorter than an hour, say): its bar stops with the chart.
    const start = chart.axis.from + i * chart.intervalMs;
    const x = f.x(start) + gap / 2;
    const barWidth = f.x(Math.min(start + chart.intervalMs, chart.axis.to)) - f.x(start) - gap;
    let base = 0;
    for (const s of chart.series) {
      const n = s.counts[i] ?? 0;
      if (n === 0) continue;
      const y = f.y(base + n);
      const h = f.y(base) - y;
      doc.rect(x, y, barWidth, h).fillColor(s.colour).fill();
      doc.rect(x, y, barWidth, h).lineWidth(0.25).strokeColor('#3a3a3a').stroke();
      base += n;
    }
  }
  drawFrame(doc, f);
  doc.y = f.top + f.height + 16;
  doc.x = PAGE.left;
}
