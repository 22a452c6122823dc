import type { Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';

export interface ThrottlePolicy {
  /** Failures allowed per account and client address within the window before that pair is locked. */
  readonly maxFailures: number;
  /** Per client address, across accounts: higher, since a ward's workstations may share one address (NAT). */
  readonly maxFailuresPerAddress: number;
  readonly windowSeconds: number;
  /** The longest lock; the first lasts a minute and each further one of the same key twice as long. */
  readonly lockSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { maxFailures: 5, maxFailuresPerAddress: 50, windowSeconds: 15 * 60, lockSeconds: 15 * 60 };
const FIRST_LOCK_SECONDS = 60;
/** An account that signed in from an address within this time is not held by that address's lock. */
const KNOWN_PAIR_DAYS = 30;

export interface ThrottleKeys {
  /** The account at this address: what one guesser can lock, for themselves only. */
  readonly pair: string;
  readonly address: string;
  /** Set by a success: this account is known at this address. */
  readonly known: string;
}

export interface Lockout {
  readonly username: string | null;
  readonly address: string | null;
  readonly lockedUntil: Date;
}

/**
 * Sign-in throttling, kept in PostgreSQL so that every replica counts the same attempts.
 *
 * - An attempt is counted *before* its password is checked, in one transaction that locks the
 *   keys' rows: of any number of concurrent attempts, only the allowed number is ever checked.
 * - Keys are the account at an address, and the address. There is no account-wide lock: a
 *   guesser elsewhere can lock only their own address, never the account's owner out.
 * - An address's lock does not hold an account that signed in from that address in the last 30
 *   days (colleagues behind one NAT keep working while someone there guesses).
 * - Locks grow: one minute, then twice as long each time up to `lockSeconds`. An admin lists and
 *   lifts them (`/v1/auth/lockouts`), and IT can with the password-reset command.
 */
export class LoginThrottle {
  constructor(
    private readonly sql: Sql,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
  ) {}

  static keys(username: string, address: string): ThrottleKeys {
    const user = username.toLowerCase();
    return { pair: `pair:${user}|${address}`, address: `addr:${address}`, known: `ok:${user}|${address}` };
  }

  /** Counts an attempt, or refuses it (429) when a key is locked or this attempt is one too many. */
  async begin(keys: ThrottleKeys): Promise<void> {
    const { windowSeconds, maxFailures, maxFailuresPerAddress, lockSeconds } = this.policy;
    const limits = new Map([[keys.pair, maxFailures], [keys.address, maxFailuresPerAddress]]);
    const refusal = await this.sql.begin(async (tx) => {
      await tx`INSERT INTO login_throttle (key, failures, window_start) VALUES (${keys.pair}, 0, now()), (${keys.address}, 0, now()) ON CONFLICT (key) DO NOTHING`;
      const rows = await tx<Array<{ key: string; failures: number; expired: boolean; lockedFor: number | null; lockouts: number; known: boolean }>>`
        SELECT key, failures, window_start < now() - make_interval(secs => ${windowSeconds}) AS expired,
               CASE WHEN locked_until > now() THEN ceil(extract(epoch FROM locked_until - now()))::int END AS "lockedFor", lockouts,
               EXISTS (SELECT 1 FROM login_throttle k WHERE k.key = ${keys.known} AND k.window_start > now() - make_interval(days => ${KNOWN_PAIR_DAYS})) AS known
        FROM login_throttle WHERE key IN (${keys.pair}, ${keys.address}) ORDER BY key FOR UPDATE`;
      const binding = rows.filter((r) => !(r.key === keys.address && r.known));
      const locked = binding.find((r) => r.lockedFor !== null);
      if (locked) return locked.lockedFor!;
      const over = binding.find((r) => (r.expired ? 1 : r.failures + 1) > limits.get(r.key)!);
      if (over) {
        const seconds = Math.min(lockSeconds, FIRST_LOCK_SECONDS * 2 ** Math.min(over.lockouts, 20));
        await tx`UPDATE login_throttle SET failures = 0, window_start = now(), lockouts = lockouts + 1,
          locked_until = now() + make_interval(secs => ${seconds}) WHERE key = ${over.key}`;
        return seconds;
      }
      for (const r of rows) {
        await tx`UPDATE login_throttle SET
          failures = CASE WHEN ${r.expired} THEN 1 ELSE failures + 1 END,
          window_start = CASE WHEN ${r.expired} THEN now() ELSE window_start END
          WHERE key = ${r.key}`;
      }
      return 0;
    });
    if (refusal > 0) throw new ApiError('too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(refusal / 60)} min`, { 'retry-after': String(refusal) });
  }

  /** The password was right: the pair starts afresh, the address gets its attempt back, the pair is known. */
  async succeeded(keys: ThrottleKeys): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`UPDATE login_throttle SET failures = 0 WHERE key = ${keys.pair}`;
      await tx`UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = ${keys.address}`;
      await tx`INSERT INTO login_throttle (key, failures, window_start) VALUES (${keys.known}, 0, now())
        ON CONFLICT (key) DO UPDATE SET window_start = now()`;
    });
  }

  /** The attempt was counted but never checked (the service was too busy): give it back. */
  async notChecked(keys: ThrottleKeys): Promise<void> {
    await this.sql`UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key IN (${keys.pair}, ${keys.address})`;
  }

  async lockouts(): Promise<Lockout[]> {
    const rows = await this.sql<Array<{ key: string; lockedUntil: Date }>>`
      SELECT key, locked_until AS "lockedUntil" FROM login_throttle WHERE locked_until > now() ORDER BY locked_until DESC LIMIT 1000`;
    return rows.map(({ key, lockedUntil }) => {
      if (key.startsWith('addr:')) return { username: null, address: key.slice(5), lockedUntil };
      const [username, address] = key.slice(5).split('|');
      return { username: username ?? null, address: address ?? null, lockedUntil };
    });
  }

  /** Lifts the locks of an account (every address) or of an address; returns how many. */
  async unlock(target: { username?: string; address?: string }): Promise<number> {
    const patterns: string[] = [];
    if (target.username) patterns.push(`pair:${target.username.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}|%`);
    if (target.address) patterns.push(`addr:${target.address.replace(/[\\%_]/g, (c) => `\\${c}`)}`);
    if (patterns.length === 0) return 0;
    const rows = await this.sql`UPDATE login_throttle SET locked_until = NULL, failures = 0
      WHERE key LIKE ANY(${patterns}) AND locked_until > now() RETURNING key`;
    return rows.length;
  }
}
