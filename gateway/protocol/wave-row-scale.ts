import { NO_SAMPLE } from './wave-frames.js';

/** Raw samples with what makes them physical values: value = raw × scale + offset. */
export interface ScaledSamples {
  readonly scale: number;
  readonly offset: number;
  readonly samples: ArrayLike<number>;
}

/**
 * Where a raw sample is drawn in one row of a wave strip, as a distance from the row's top in
 * the row's own unit (pixels on the screen, points in a PDF). One rule for the review screen and
 * the printed report, so a strip looks the same in both:
 * - ECG (`unitsPerMv` given) at a fixed gain around the row's middle, so amplitudes can be read
 *   off the paper's squares (10 mm/mV is the standard gain);
 * - other waves (pleth, resp: no calibrated unit) fitted to the middle 80 % of the row, from the
 *   lowest to the highest sample shown; a flat trace sits at 90 %.
 */
export function waveRowScale(
  stretches: readonly ScaledSamples[],
  rowHeight: number,
  unitsPerMv: number | null,
): (raw: number, stretch: ScaledSamples) => number {
  if (unitsPerMv !== null) return (raw, s) => rowHeight / 2 - (raw * s.scale + s.offset) * unitsPerMv;
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const s of stretches) {
    for (let i = 0; i < s.samples.length; i++) {
      const raw = s.samples[i]!;
      if (raw === NO_SAMPLE) continue;
      const v = raw * s.scale + s.offset;
      if (v < low) low = v;
      if (v > high) high = v;
    }
  }
  const span = high > low ? high - low : 1;
  return (raw, s) => rowHeight * 0.9 - ((raw * s.scale + s.offset - low) / span) * rowHeight * 0.8;
}
