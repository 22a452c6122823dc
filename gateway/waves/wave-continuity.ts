/**
 * Whether a block of samples whose first sample is at `nextStartTs` continues a run of
 * `sampleCount` samples at `sampleRate` Hz that began at `runStartTs`: it must start within one
 * sample period of where the run's next sample falls. Anything farther is a gap (or an overlap)
 * that must stay visible: compaction does not merge across it, and the review does not draw across it.
 */
export function continuesWithinOneSample(runStartTs: number, sampleCount: number, sampleRate: number, nextStartTs: number): boolean {
  const expected = runStartTs + (sampleCount * 1000) / sampleRate;
  return Math.abs(nextStartTs - expected) <= 1000 / sampleRate;
}
