import type { AlarmPriority } from '../protocol/alarm-types.js';
import type { VitalCode } from '../protocol/vitals.js';
import type { OfflinePolicy } from './offline-timeout.js';

/** How one vital is judged. Limits are in the vital's canonical unit. */
export interface VitalRule {
  readonly low?: number;
  readonly high?: number;
  /** Beyond these the alarm is high priority at once, with no qualification delay. */
  readonly severeLow?: number;
  readonly severeHigh?: number;
  readonly priority: AlarmPriority;
  /**
   * The alarm delay, also the window a condition is judged over: it alarms once the value was
   * beyond the limit for ONSET_SHARE of the last `delayMs` (counted in time) and its first
   * reading beyond the limit is at least `delayMs` old…
   */
  readonly delayMs: number;
  /** …and at least this many readings were beyond the limit (not necessarily consecutive). */
  readonly minSamples: number;
  /** The value must come back this far inside the limit to clear (no flapping at the limit). */
  readonly hysteresis: number;
}

/** Share of the delay window a value must spend beyond its limit to alarm (2/3: one good reading in three does not hide a desaturation). */
export const ONSET_SHARE = 2 / 3;
/** An alarm ends only when less than this share of the window is still beyond the limit. */
export const END_SHARE = 1 / 3;

export interface AlarmConfig {
  readonly rules: Readonly<Partial<Record<VitalCode, VitalRule>>>;
  /** A low-priority alarm present this long becomes medium. */
  readonly escalateAfterMs: number;
  /** An acknowledged alarm still present sounds again after this long. */
  readonly renotifyMs: number;
  readonly audioPauseMs: number;
  /** How long a device may be silent before DEVICE_OFFLINE (see offline-timeout.ts). */
  readonly offline: OfflinePolicy;
  /** Conditions with no "end" message (an invalid value) clear this long after the last report. */
  readonly oneShotMs: number;
}

/**
 * Adult ward defaults, in line with common bedside-monitor factory settings. SpO2 waits longer
 * than heart rate (motion artefacts), NIBP is a spot measurement (no delay).
 */
export const DEFAULT_ALARM_CONFIG: AlarmConfig = {
  rules: {
    HR: { low: 50, high: 120, severeLow: 40, severeHigh: 150, priority: 'medium', delayMs: 5_000, minSamples: 2, hysteresis: 5 },
    PR: { low: 50, high: 120, severeLow: 40, severeHigh: 150, priority: 'medium', delayMs: 5_000, minSamples: 2, hysteresis: 5 },
    SPO2: { low: 90, severeLow: 85, priority: 'medium', delayMs: 15_000, minSamples: 3, hysteresis: 2 },
    RR: { low: 8, high: 30, severeLow: 5, severeHigh: 40, priority: 'medium', delayMs: 10_000, minSamples: 2, hysteresis: 2 },
    NIBP_SYS: { low: 90, high: 160, severeLow: 70, severeHigh: 200, priority: 'medium', delayMs: 0, minSamples: 1, hysteresis: 5 },
    NIBP_MEAN: { low: 65, severeLow: 50, priority: 'medium', delayMs: 0, minSamples: 1, hysteresis: 3 },
    TEMP: { low: 35.5, high: 38.5, severeHigh: 40, priority: 'low', delayMs: 0, minSamples: 1, hysteresis: 0.2 },
    ETCO2: { low: 25, high: 50, priority: 'low', delayMs: 10_000, minSamples: 2, hysteresis: 2 },
  },
  escalateAfterMs: 60_000,
  renotifyMs: 2 * 60_000,
  audioPauseMs: 2 * 60_000,
  // Streaming transports: 10 s. HL7: 3 min until the device's pace is known (senders report
  // every 30-60 s), then three of its intervals, up to an hour (NIBP cycles).
  offline: { minMs: { websocket: 10_000, serial: 10_000, hl7: 180_000 }, intervals: 3, maxMs: 3_600_000 },
  oneShotMs: 60_000,
};
