/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): the wait is
 * uniform in [0, min(cap, base * 2^attempt)], so stations recovering together do not retry in
 * lockstep. Pure: the random source is a parameter.
 */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP date. Null when absent or
 * unreadable. Bounded so a broken server cannot park the station for days.
 */
export function retryAfterMs(header: string | null | undefined, now: number, maxMs = 15 * 60_000): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, maxMs);
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return null;
  return Math.min(Math.max(0, at - now), maxMs);
}
