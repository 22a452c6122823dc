import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { StoredWaveStretch, UiBed, WaveReview } from '../../gateway/protocol/ui-channel.js';
import { NO_SAMPLE, WAVES, WAVE_CODES, type WaveCode } from '../../gateway/protocol/wave-frames.js';
import { waveRowScale } from '../../gateway/protocol/wave-row-scale.js';
import { alarmLabel } from './AlarmBar.js';
import type { GatewayClient } from './gateway-client.js';
import { clockTime, dateTime, dayMonth } from './time-format.js';
import { SWEEP_MM_PER_S, SWEEP_PX_PER_S } from './wave-strips.js';

/** One screen (and one printed strip) of full disclosure: 10 s at 25 mm/s, 250 mm wide. */
export const REVIEW_WINDOW_MS = 10_000;
/** Stored waves lag the live strips by the writer's commit; the newest window ends this far back. */
const LATEST_LAG_MS = 2000;
const PX_PER_MM = 96 / 25.4;
const ROW_PX = Math.round(30 * PX_PER_MM);
/** ECG at the standard gain: 10 mm per mV. */
const ECG_MM_PER_MV = 10;
const HISTORY_MS = 72 * 3600_000;
const TRACE: Record<WaveCode, string> = { ECG_II: '#111111', PLETH: '#0b6e4f', RESP: '#7a5200' };
const WIDTH_PX = Math.round((REVIEW_WINDOW_MS / 1000) * SWEEP_PX_PER_S);

interface Onset {
  readonly at: number;
  readonly condition: string;
  readonly priority: 'PH' | 'PM' | 'PL';
}

/** Time (ms) → x (px) inside the window, at paper speed. */
const xAt = (start: number, ts: number) => ((ts - start) / 1000) * SWEEP_PX_PER_S;

/** ECG paper: 1 mm squares, every fifth line darker, as printed strips have always looked. */
function drawGrid(g: CanvasRenderingContext2D, width: number, height: number): void {
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, width, height);
  for (let mm = 0, i = 0; mm * PX_PER_MM <= Math.max(width, height); mm++, i++) {
    const at = Math.round(mm * PX_PER_MM) + 0.5;
    g.strokeStyle = i % 5 === 0 ? '#e8a0a0' : '#f8dede';
    g.lineWidth = 1;
    g.beginPath();
    if (at <= width) {
      g.moveTo(at, 0);
      g.lineTo(at, height);
    }
    if (at <= height) {
      g.moveTo(0, at);
      g.lineTo(width, at);
    }
    g.stroke();
  }
}

function drawWave(g: CanvasRenderingContext2D, wave: WaveCode, stretches: readonly StoredWaveStretch[], start: number, top: number): void {
  const rowY = waveRowScale(stretches, ROW_PX, wave === 'ECG_II' ? ECG_MM_PER_MV * PX_PER_MM : null);
  const y = (raw: number, s: StoredWaveStretch) => top + rowY(raw, s);
  g.save();
  g.beginPath();
  g.rect(0, top, WIDTH_PX, ROW_PX);
  g.clip();
  g.strokeStyle = TRACE[wave];
  g.lineWidth = 1.2;
  g.lineJoin = 'round';
  for (const s of stretches) {
    const period = 1000 / s.sampleRate;
    // Each stretch is its own path: between stretches (a gap in time) nothing is drawn.
    g.beginPath();
    let drawing = false;
    for (let i = 0; i < s.samples.length; i++) {
      const raw = s.samples[i]!;
      if (raw === NO_SAMPLE) {
        drawing = false;
        continue;
      }
      const px = xAt(start, s.startTs + i * period);
      if (drawing) g.lineTo(px, y(raw, s));
      else g.moveTo(px, y(raw, s));
      drawing = true;
    }
    g.stroke();
  }
  g.restore();
  g.fillStyle = '#333333';
  g.font = '12px system-ui, sans-serif';
  g.fillText(wave === 'ECG_II' ? `${WAVES[wave].label}  10 mm/mV` : WAVES[wave].label, 4, top + 14);
}

/**
 * Full disclosure in a bed's detail: every stored sample of the patient's ECG, pleth and
 * respiration, 10 s at a time at 25 mm/s on ECG paper. Scroll back through the 72 h the station
 * keeps, go to a time or to any alarm's onset (marked on the strip), measure an interval with
 * calipers (two clicks), and print the strip (the print layout keeps 25 mm/s and 10 mm/mV on
 * paper; "Save as PDF" in the print dialog exports it).
 */
export function FullDisclosure({ bed, client, now = Date.now }: { bed: UiBed; client: GatewayClient; now?: () => number }) {
  const [start, setStart] = useState(() => now() - LATEST_LAG_MS - REVIEW_WINDOW_MS);
  const [review, setReview] = useState<WaveReview | null>(null);
  const [onsets, setOnsets] = useState<readonly Onset[]>([]);
  const [calipers, setCalipers] = useState<readonly number[]>([]);
  const [error, setError] = useState<string | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const patientId = bed.patient?.id;

  useEffect(() => {
    let cancelled = false;
    const to = now();
    client.call('alarms.history', { bedId: bed.id, from: to - HISTORY_MS, to }).then(
      (history) => !cancelled && setOnsets([...history].sort((a, b) => b.at - a.at)),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [bed.id, patientId, client, now]);

  // A window that reaches into the last seconds is still filling: read it again each second until it is whole.
  const [refresh, setRefresh] = useState(0);
  const filling = start + REVIEW_WINDOW_MS > now() - LATEST_LAG_MS;
  useEffect(() => {
    if (!filling) return;
    const timer = setInterval(() => setRefresh((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [filling, start]);

  useEffect(() => setCalipers([]), [bed.id, start]);

  useEffect(() => {
    let cancelled = false;
    client.call('waves.review', { bedId: bed.id, from: start, to: start + REVIEW_WINDOW_MS }).then(
      (result) => {
        if (cancelled) return;
        setReview(result);
        setError(null);
      },
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [bed.id, patientId, start, client, refresh]);

  const rows = useMemo(() => WAVE_CODES.filter((w) => (review?.waves[w]?.length ?? 0) > 0), [review]);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const height = Math.max(rows.length, 1) * ROW_PX;
    const ratio = window.devicePixelRatio || 1;
    c.width = Math.round(WIDTH_PX * ratio);
    c.height = Math.round(height * ratio);
    c.style.width = `${WIDTH_PX}px`;
    c.style.height = `${height}px`;
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    drawGrid(g, WIDTH_PX, height);
    rows.forEach((wave, i) => drawWave(g, wave, review!.waves[wave]!, start, i * ROW_PX));
    // Alarm onsets in the window: a red line across every wave, labelled.
    for (const onset of onsets) {
      if (onset.at < start || onset.at >= start + REVIEW_WINDOW_MS) continue;
      const x = Math.round(xAt(start, onset.at)) + 0.5;
      g.strokeStyle = onset.priority === 'PH' ? '#d70015' : onset.priority === 'PM' ? '#b25000' : '#0060c0';
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(x, 0);
      g.lineTo(x, height);
      g.stroke();
      g.fillStyle = g.strokeStyle;
      g.font = 'bold 12px system-ui, sans-serif';
      g.fillText(alarmLabel(onset.condition), x + 4, height - 6);
    }
    g.strokeStyle = '#0050d0';
    g.lineWidth = 1;
    for (const at of calipers) {
      const x = Math.round(xAt(start, at)) + 0.5;
      g.beginPath();
      g.moveTo(x, 0);
      g.lineTo(x, height);
      g.stroke();
    }
  }, [review, rows, onsets, calipers, start]);

  const measure = (event: MouseEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const at = start + ((event.clientX - box.left) / SWEEP_PX_PER_S) * 1000;
    setCalipers((c) => (c.length >= 2 ? [at] : [...c, at]));
  };
  const interval = calipers.length === 2 ? Math.abs(calipers[1]! - calipers[0]!) : null;
  const goTo = (value: string) => {
    const at = new Date(value).getTime();
    if (Number.isFinite(at)) setStart(at - REVIEW_WINDOW_MS / 2);
  };
  const latest = now() - LATEST_LAG_MS - REVIEW_WINDOW_MS;

  return (
    <section className="full-disclosure" aria-label="Full disclosure" data-testid="full-disclosure">
      <h3>Full disclosure</h3>
      <p className="fd-print-head">
        {bed.label}
        {bed.patient ? ` — ${bed.patient.name} · MRN ${bed.patient.mrn}` : ''}
      </p>
      <div className="fd-controls" role="group" aria-label="Full disclosure navigation">
        <button type="button" onClick={() => setStart((s) => s - REVIEW_WINDOW_MS)}>
          ◀ 10 s
        </button>
        <button type="button" onClick={() => setStart((s) => Math.min(s + REVIEW_WINDOW_MS, latest))} disabled={start >= latest}>
          10 s ▶
        </button>
        <button type="button" onClick={() => setStart(latest)}>
          Latest
        </button>
        <label>
          Go to <input type="datetime-local" step={1} aria-label="Go to time" onChange={(e) => goTo(e.target.value)} />
        </label>
        <select aria-label="Go to alarm onset" value="" onChange={(e) => e.target.value && setStart(Number(e.target.value) - REVIEW_WINDOW_MS / 2)}>
          <option value="">Go to an alarm onset ({onsets.length})</option>
          {onsets.map((o) => (
            <option key={`${o.at}-${o.condition}`} value={o.at}>
              {dateTime(o.at)} — {alarmLabel(o.condition)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => window.print()}>
          Print strip
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="fd-window" data-testid="fd-window">
        {dayMonth(start)} {clockTime(start)} – {clockTime(start + REVIEW_WINDOW_MS)} · {SWEEP_MM_PER_S} mm/s
      </p>
      <canvas ref={canvas} className="fd-strip" data-testid="fd-strip" aria-label="Full-disclosure strip; click two points to measure an interval" onClick={measure} />
      {review && rows.length === 0 && <p className="fd-empty">No stored waveform in these 10 seconds.</p>}
      <p className="fd-caliper" data-testid="fd-caliper" aria-live="polite">
        {interval === null
          ? calipers.length === 1
            ? 'Click the second point.'
            : 'Calipers: click two points on the strip.'
          : `Interval ${Math.round(interval)} ms (${Math.round(60_000 / interval)} /min)`}
      </p>
    </section>
  );
}
