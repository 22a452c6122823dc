import { ensureSpace, INK, label, MUTED, PAGE } from './pdf-layout.js';
import type { WaveStripBlock } from './report-model.js';
import { NO_SAMPLE } from '../../gateway/protocol/wave-frames.js';
import { type ScaledSamples, waveRowScale } from '../../gateway/protocol/wave-row-scale.js';

/** Points per millimetre (PDF units are 1/72 in). */
const MM = 72 / 25.4;
/** Paper speed and ECG gain, as every printed strip. */
const MM_PER_S = 25;
const MM_PER_MV = 10;
const ROW_MM = 15;
const TRACE = '#111111';
const GRID_MINOR = '#f6d5d5';
const GRID_MAJOR = '#e6a3a3';
const ONSET = '#d70015';

/** A strip: the waves one above the other on millimetre paper, the onset marked. */
export function drawWaveStrip(doc: PDFKit.PDFDocument, strip: WaveStripBlock): void {
  const rowHeight = ROW_MM * MM;
  const width = ((strip.to - strip.from) / 1000) * MM_PER_S * MM;
  const height = Math.max(strip.waves.length, 1) * rowHeight;
  ensureSpace(doc, height + 30);
  label(doc, strip.title, PAGE.left, doc.y, { size: 8, bold: true, colour: INK });
  const left = PAGE.left;
  const top = doc.y + 12;
  const x = (t: number) => left + ((t - strip.from) / 1000) * MM_PER_S * MM;

  doc.save();
  // Millimetre paper: every 5 mm darker. Minor lines first, so the major ones stay on top.
  for (const [step, colour] of [[1, GRID_MINOR], [5, GRID_MAJOR]] as const) {
    for (let mm = 0; mm * MM <= width + 0.01; mm += step) doc.moveTo(left + mm * MM, top).lineTo(left + mm * MM, top + height);
    for (let mm = 0; mm * MM <= height + 0.01; mm += step) doc.moveTo(left, top + mm * MM).lineTo(left + width, top + mm * MM);
    doc.lineWidth(0.25).strokeColor(colour).stroke();
  }
  doc.rect(left, top, width, height).clip();
  strip.waves.forEach((wave, row) => {
    const rowTop = top + row * rowHeight;
    const rowY = waveRowScale(wave.stretches, rowHeight, wave.gain === 'mV' ? MM_PER_MV * MM : null);
    const y = (raw: number, s: ScaledSamples) => rowTop + rowY(raw, s);
    for (const s of wave.stretches) {
      const period = 1000 / s.sampleRate;
      let drawing = false;
      for (let i = 0; i < s.samples.length; i++) {
        const t = s.startTs + i * period;
        const raw = s.samples[i]!;
        if (raw === NO_SAMPLE || t < strip.from || t > strip.to) {
          drawing = false;
          continue;
        }
        if (drawing) doc.lineTo(x(t), y(raw, s));
        else doc.moveTo(x(t), y(raw, s));
        drawing = true;
      }
    }
    doc.lineWidth(0.6).lineJoin('round').strokeColor(TRACE).stroke();
  });
  doc.moveTo(x(strip.onset), top).lineTo(x(strip.onset), top + height).lineWidth(1).strokeColor(ONSET).stroke();
  doc.restore();
  strip.waves.forEach((wave, row) => label(doc, wave.gain === 'mV' ? `${wave.label}  10 mm/mV` : wave.label, left + 3, top + row * rowHeight + 2, { size: 6.5, colour: MUTED }));
  label(doc, strip.onsetLabel, x(strip.onset) + 3, top + height - 9, { size: 6.5, bold: true, colour: ONSET });
  label(doc, `${MM_PER_S} mm/s`, left + width - 40, top + height + 3, { size: 6.5, colour: MUTED, width: 40, align: 'right' });
  doc.y = top + height + 14;
  doc.x = PAGE.left;
}

