import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';
import type { Role } from './access-tokens.js';
import type { Revocations } from './revocations.js';

/** A used refresh token presented again; names the account, for the security record. */
export class RefreshTokenReused extends ApiError {
  constructor(readonly userId: number) {
    super('refresh_token_reused', 'this refresh token was already used; every session of its family is signed out');
  }
}

const sha256 = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Opaque refresh tokens (256 random bits), stored only as SHA-256. Each refresh uses a token up
 * and issues the next of the same family; presenting a used token again means it was stolen or
 * replayed, so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
 */
export class RefreshTokens {
  constructor(
    private readonly sql: Sql,
    private readonly revocations: Pick<Revocations, 'revokeSessions'>,
    readonly ttlSeconds = 30 * 24 * 3600,
  ) {}

  async issue(userId: number, familyId: string = randomUUID()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.sql`INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
      VALUES (${sha256(token)}, ${familyId}, ${userId}, now() + make_interval(secs => ${this.ttlSeconds}))`;
    return token;
  }

  /** Uses a token up; returns the user and the next token of the family. */
  async rotate(token: string): Promise<{ userId: number; role: Role; familyId: string; refreshToken: string }> {
    const hash = sha256(token);
    // Atomic: of two concurrent refreshes with the same token, exactly one marks it used.
    const [used] = await this.sql<Array<{ userId: number; familyId: string; role: Role }>>`
      UPDATE refresh_tokens t SET used_at = now()
      FROM users u
      WHERE t.token_hash = ${hash} AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()
        AND u.id = t.user_id AND u.disabled_at IS NULL
      RETURNING t.user_id AS "userId", t.family_id AS "familyId", u.role`;
    if (used) return { userId: used.userId, role: used.role, familyId: used.familyId, refreshToken: await this.issue(used.userId, used.familyId) };
    const [known] = await this.sql<Array<{ familyId: string; usedAt: Date | null; userId: number }>>`
      SELECT family_id AS "familyId", used_at AS "usedAt", user_id AS "userId" FROM refresh_tokens WHERE token_hash = ${hash}`;
    if (known?.usedAt) {
      await this.revokeFamily(known.familyId);
      throw new RefreshTokenReused(Number(known.userId));
    }
    throw new ApiError('invalid_token', 'the refresh token is not valid');
  }

  /** Logout: the token's whole family (the session) stops working; returns the user, if any. */
  async revoke(token: string): Promise<number | null> {
    const [known] = await this.sql<Array<{ familyId: string; userId: number }>>`SELECT family_id AS "familyId", user_id AS "userId" FROM refresh_tokens WHERE token_hash = ${sha256(token)}`;
    if (known) await this.revokeFamily(known.familyId);
    return known?.userId ?? null;
  }

  /** Every session of a user but `keep` (a password change signs the other devices out). */
  async revokeUserSessions(userId: number, keep: string | null = null): Promise<void> {
    await this.sql.begin(async (tx) => {
      const rows = await tx<Array<{ familyId: string }>>`
        UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = ${userId} AND revoked_at IS NULL AND (${keep}::uuid IS NULL OR family_id <> ${keep}::uuid)
        RETURNING family_id::text AS "familyId"`;
      await this.revocations.revokeSessions([...new Set(rows.map((r) => r.familyId))], tx);
    });
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = ${familyId} AND revoked_at IS NULL`;
      await this.revocations.revokeSessions([familyId], tx);
    });
  }

  /** Housekeeping: tokens long past expiry are of no use to anyone. */
  async deleteExpired(): Promise<number> {
    const rows = await this.sql`DELETE FROM refresh_tokens WHERE expires_at < now() - interval '7 days'`;
    return rows.count;
  }
}
