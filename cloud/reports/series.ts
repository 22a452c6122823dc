/**
 * Folds a stream of (time, value) into at most `slots` points for a chart, so a chart over a
 * week of minutes stays a few hundred vector segments. 'mean' averages (sum / count), 'sum' adds.
 */
export class SeriesAccumulator {
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly width: number;

  constructor(
    private readonly from: number,
    to: number,
    slots: number,
    private readonly mode: 'mean' | 'sum',
  ) {
    this.sums = new Float64Array(slots);
    this.counts = new Float64Array(slots);
    this.width = Math.max(1, (to - from) / slots);
  }

  add(t: number, sum: number, count = 1): void {
    const slot = Math.floor((t - this.from) / this.width);
    if (slot < 0 || slot >= this.sums.length) return;
    this.sums[slot]! += sum;
    this.counts[slot]! += count;
  }

  points(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.sums.length; i++) {
      const t = this.from + i * this.width;
      if (this.mode === 'sum') out.push([t, this.sums[i]!]);
      else if (this.counts[i]! > 0) out.push([t, this.sums[i]! / this.counts[i]!]);
    }
    return out;
  }
}
