import type { BedWaveUpdate } from '../../gateway/protocol/ui-channel.js';
import { NO_SAMPLE } from '../../gateway/protocol/wave-frames.js';

interface Segment {
  readonly startTs: number;
  readonly rate: number;
  /** Physical values; NaN where the device sent no sample. */
  readonly values: Float32Array;
}

/** How much of a wave a strip keeps: the longest strip on screen plus the playout delay. */
export const WAVE_KEEP_MS = 15_000;

/**
 * The last seconds of one bed's wave, as the frames arrived: a short list of runs. Time between
 * runs is a gap and stays one (never interpolated); a resent or overlapping run replaces nothing.
 * Pure: no DOM.
 */
export class WaveRing {
  private segments: Segment[] = [];

  add(update: BedWaveUpdate): void {
    const values = new Float32Array(update.samples.length);
    for (let i = 0; i < values.length; i++) {
      const raw = update.samples[i]!;
      values[i] = raw === NO_SAMPLE ? Number.NaN : raw * update.scale + update.offset;
    }
    const segment = { startTs: update.startTs, rate: update.sampleRate, values };
    // Frames come in order; one that does not is placed where it belongs.
    let i = this.segments.length;
    while (i > 0 && this.segments[i - 1]!.startTs > segment.startTs) i--;
    if (this.segments[i - 1]?.startTs === segment.startTs) return;
    this.segments.splice(i, 0, segment);
    const keepFrom = update.startTs - WAVE_KEEP_MS;
    while (this.segments.length > 1 && this.end(this.segments[0]!) < keepFrom) this.segments.shift();
  }

  /**
   * Least and greatest value in [from, to), or null where there is no sample there (a gap). Runs are
   * few (one a second), so a linear pass over them is cheap.
   */
  range(from: number, to: number): { min: number; max: number } | null {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of this.segments) {
      if (s.startTs >= to || this.end(s) <= from) continue;
      const first = Math.max(0, Math.ceil(((from - s.startTs) * s.rate) / 1000));
      const last = Math.min(s.values.length, Math.ceil(((to - s.startTs) * s.rate) / 1000));
      for (let i = first; i < last; i++) {
        const v = s.values[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return min <= max ? { min, max } : null;
  }

  /** End time of the newest run (epoch ms), or null when empty. */
  latestEnd(): number | null {
    const last = this.segments[this.segments.length - 1];
    return last ? this.end(last) : null;
  }

  private end(s: Segment): number {
    return s.startTs + (s.values.length * 1000) / s.rate;
  }
}
