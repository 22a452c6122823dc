/**
 * The HL7 fixtures were recorded on 2026-11-24. The station refuses readings more than 30 days
 * old, so tests that send them to a station move them to yesterday (UTC), keeping the times.
 */
export function datedYesterday(message: string): string {
  const d = new Date(Date.now() - 24 * 3600_000);
  const day = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return message.replace(/20261124/g, day);
}
