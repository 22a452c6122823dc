/**
 * The one rule for a device's own timestamp, on every transport (WebSocket, HL7, serial): it is
 * trusted from 30 days behind to 5 minutes ahead of the station clock at receipt. Beyond that the
 * device clock is at fault (a dead clock battery reads 2010; a time zone set wrong reads hours
 * ahead), and the reading is refused rather than filed at a wrong time in the patient's history.
 * Pure.
 */

/** Accepted clock skew of a device into the future. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Oldest accepted measurement (a device may resend after days offline, not after years). */
export const MAX_AGE_MS = 30 * 24 * 3600_000;

export type ClockFault = 'ahead' | 'behind';

export function deviceClockFault(ts: number, receivedAt: number): ClockFault | null {
  if (ts > receivedAt + MAX_FUTURE_SKEW_MS) return 'ahead';
  if (ts < receivedAt - MAX_AGE_MS) return 'behind';
  return null;
}
