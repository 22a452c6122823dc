/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): the n-th retry
 * waits a random time in [0, min(cap, base * 2^(n-1))], so replicas that failed together do not
 * retry together. Pure: the random source is injectable.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** 0 = no jitter (the exact exponential step), 1 = full jitter. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 15 * 60_000, jitter: 1 };

/** Delay before retry number `attempt` (1 = the first retry). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  const jittered = step * (1 - policy.jitter * random());
  return Math.max(0, Math.round(jittered));
}
