/**
 * When a silent device becomes DEVICE_OFFLINE. Devices report at very different paces: a
 * WebSocket monitor streams every second, an HL7 PCD-01 sender every 30–60 s or once per NIBP
 * cycle. A fixed timeout either misses a dead monitor or raises a nuisance alarm after every HL7
 * message, so the timeout fits the device: a configured value (per device or per model) if there
 * is one, otherwise a few of the device's own reporting intervals, never less than its
 * transport's floor. Pure.
 */
import type { Transport } from '../domain/device.js';

export interface OfflinePolicy {
  /** The shortest timeout per transport, and the timeout until the device's pace is known. */
  readonly minMs: Readonly<Record<Transport, number>>;
  /** Offline after this many typical reporting intervals of silence. */
  readonly intervals: number;
  /** The longest timeout derived from the pace (a configured one may be longer). */
  readonly maxMs: number;
}

/** Gaps remembered per device: the median of these is its typical reporting interval. */
const GAPS_KEPT = 9;

/** Adds the gap between two reports; one long outage does not move the median. */
export function rememberGap(gaps: number[], gapMs: number): void {
  gaps.push(gapMs);
  if (gaps.length > GAPS_KEPT) gaps.shift();
}

export function offlineTimeoutMs(policy: OfflinePolicy, transport: Transport, gaps: readonly number[], configuredMs: number | null): number {
  if (configuredMs !== null) return configuredMs;
  const floor = policy.minMs[transport];
  if (gaps.length === 0) return floor;
  const sorted = [...gaps].sort((a, b) => a - b);
  const typical = sorted[Math.floor(sorted.length / 2)]!;
  return Math.min(policy.maxMs, Math.max(floor, policy.intervals * typical));
}
