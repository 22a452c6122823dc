import type { ClusterBus } from '../cluster/cluster-bus.js';
import type { Sql, TransactionSql } from '../db/sql.js';

export const REVOKED_CHANNEL = 'auth_revoked';

/**
 * Sessions and accounts whose access tokens no longer count, held in memory by every replica so
 * that checking a token costs a map lookup, not a database round trip. Kept current by NOTIFY
 * (`session:<id>` when a session's refresh family is revoked, `user:<id>` when an account is
 * disabled), loaded whole at start and again whenever the listening connection was lost (notices
 * may have been missed then). A session id is remembered as long as an access token of it could
 * still be valid: the access-token lifetime.
 */
export class Revocations {
  private readonly sessions = new Map<string, number>();
  private readonly users = new Set<number>();

  constructor(
    private readonly sql: Sql,
    private readonly bus: ClusterBus,
    private readonly tokenTtlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    // Subscribe first, then load: a revocation between the two is seen at least once.
    await this.bus.subscribe(REVOKED_CHANNEL, (payload) => this.apply(payload));
    this.bus.onResync(() => void this.load().catch(() => {}));
    await this.load();
  }

  isRevoked(sessionId: string, userId: number): boolean {
    return this.users.has(userId) || this.sessions.has(sessionId);
  }

  /** Announces revoked sessions (within `tx`: delivered at its commit, to every replica and this one). */
  async revokeSessions(sessionIds: readonly string[], tx?: TransactionSql): Promise<void> {
    for (const id of sessionIds) await this.bus.publish(REVOKED_CHANNEL, `session:${id}`, tx);
  }

  async revokeUser(userId: number, tx?: TransactionSql): Promise<void> {
    await this.bus.publish(REVOKED_CHANNEL, `user:${userId}`, tx);
  }

  private apply(payload: string): void {
    if (payload.startsWith('user:')) this.users.add(Number(payload.slice(5)));
    else if (payload.startsWith('session:')) this.rememberSession(payload.slice(8));
  }

  private rememberSession(id: string): void {
    const now = this.now();
    if (this.sessions.size > 10_000) for (const [sid, until] of this.sessions) if (until < now) this.sessions.delete(sid);
    this.sessions.set(id, now + this.tokenTtlSeconds * 1000);
  }

  private async load(): Promise<void> {
    const sessions = await this.sql<Array<{ id: string }>>`
      SELECT DISTINCT family_id::text AS id FROM refresh_tokens WHERE revoked_at > now() - make_interval(secs => ${this.tokenTtlSeconds})`;
    const users = await this.sql<Array<{ id: number }>>`SELECT id FROM users WHERE disabled_at IS NOT NULL`;
    for (const { id } of sessions) this.rememberSession(id);
    for (const { id } of users) this.users.add(Number(id));
  }
}
