import type { StoredWaveStretch } from '../protocol/ui-channel.js';
import { WAVE_CODES, type WaveCode } from '../protocol/wave-frames.js';
import type { WaveQueries } from './wave-queries.js';
import { continuesWithinOneSample } from './wave-continuity.js';

/** The longest window one review read returns: a printed strip is 10 s, a screen a little more. */
export const REVIEW_MAX_MS = 60_000;

/**
 * A patient's stored samples of every wave over [from, to), for the full-disclosure review.
 * Blocks (frames or minute segments) are cut to the window and joined where they follow each
 * other within a sample period; where they do not, a new stretch starts, so the screen shows the
 * gap instead of drawing across it.
 */
export function reviewWaves(queries: WaveQueries, patientId: number, from: number, to: number): Partial<Record<WaveCode, StoredWaveStretch[]>> {
  const result: Partial<Record<WaveCode, StoredWaveStretch[]>> = {};
  for (const wave of WAVE_CODES) {
    const stretches: Array<StoredWaveStretch & { samples: number[] }> = [];
    for (const block of queries.patientBlocks(patientId, wave, from, to)) {
      const period = 1000 / block.sampleRate;
      const first = Math.max(0, Math.ceil((from - block.startTs) / period));
      const end = Math.min(block.samples.length, Math.ceil((to - block.startTs) / period));
      if (end <= first) continue;
      const startTs = block.startTs + first * period;
      const samples = Array.from(block.samples.subarray(first, end));
      const last = stretches[stretches.length - 1];
      const follows =
        last !== undefined &&
        last.sampleRate === block.sampleRate &&
        last.scale === block.scale &&
        last.offset === block.offset &&
        continuesWithinOneSample(last.startTs, last.samples.length, last.sampleRate, startTs);
      if (follows) last.samples.push(...samples);
      else stretches.push({ startTs, sampleRate: block.sampleRate, scale: block.scale, offset: block.offset, samples });
    }
    if (stretches.length > 0) result[wave] = stretches;
  }
  return result;
}
