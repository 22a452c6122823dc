import type { Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';

export interface ThrottlePolicy {
  /** Failures allowed per account within the window before it is locked. */
  readonly maxFailures: number;
  /** Per client address: higher, since a ward's workstations may share one address (NAT). */
  readonly maxFailuresPerAddress: number;
  readonly windowSeconds: number;
  readonly lockSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { maxFailures: 5, maxFailuresPerAddress: 50, windowSeconds: 15 * 60, lockSeconds: 15 * 60 };

/**
 * Login throttling per account and per client address, kept in PostgreSQL so that every replica
 * counts the same failures (a guesser spreading attempts over replicas gains nothing). A locked
 * key is refused before the password is even checked.
 */
export class LoginThrottle {
  constructor(
    private readonly sql: Sql,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
  ) {}

  static keys(username: string, address: string): string[] {
    return [`user:${username.toLowerCase()}`, `addr:${address}`];
  }

  async assertAllowed(keys: readonly string[]): Promise<void> {
    const [locked] = await this.sql<Array<{ seconds: number }>>`
      SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS seconds
      FROM login_throttle WHERE key = ANY(${keys as string[]}) AND locked_until > now()`;
    if (locked && locked.seconds > 0) {
      throw new ApiError('too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(locked.seconds / 60)} min`, { 'retry-after': String(locked.seconds) });
    }
  }

  async recordFailure(keys: readonly string[]): Promise<void> {
    const { windowSeconds, lockSeconds } = this.policy;
    const limits = keys.map((k) => (k.startsWith('addr:') ? this.policy.maxFailuresPerAddress : this.policy.maxFailures));
    await this.sql`
      INSERT INTO login_throttle AS t (key, failures, window_start)
      SELECT k, 1, now() FROM unnest(${keys as string[]}::text[]) AS k
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN t.window_start < now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE t.failures + 1 END,
        window_start = CASE WHEN t.window_start < now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE t.window_start END,
        locked_until = CASE
          WHEN t.window_start >= now() - make_interval(secs => ${windowSeconds})
           AND t.failures + 1 >= (${limits}::int[])[array_position(${keys as string[]}::text[], t.key)]
          THEN now() + make_interval(secs => ${lockSeconds}) ELSE t.locked_until END`;
  }

  /** A successful sign-in clears the account's count (not the address's: one success proves little). */
  async recordSuccess(username: string): Promise<void> {
    await this.sql`DELETE FROM login_throttle WHERE key = ${`user:${username.toLowerCase()}`}`;
  }
}
