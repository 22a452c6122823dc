import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';
import type { Role } from './access-tokens.js';
import { hashPassword } from './passwords.js';
import type { Revocations } from './revocations.js';

export interface User {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
}

export const MIN_PASSWORD_LENGTH = 12;

export class Users {
  constructor(
    private readonly sql: Sql,
    private readonly revocations: Pick<Revocations, 'revokeUser'> | null = null,
  ) {}

  async create(input: { username: string; displayName: string; role: Role; password: string }): Promise<User> {
    if (input.password.length < MIN_PASSWORD_LENGTH) throw new ApiError('invalid_request', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
    const hash = await hashPassword(input.password);
    const [user] = await this.sql<User[]>`
      INSERT INTO users (username, display_name, role, password_hash)
      VALUES (${input.username.toLowerCase()}, ${input.displayName}, ${input.role}, ${hash})
      ON CONFLICT (username) DO NOTHING
      RETURNING id, username, display_name AS "displayName", role`;
    if (!user) throw new ApiError('username_taken', `the username ${input.username} is taken`);
    return user;
  }

  async forLogin(username: string): Promise<(User & { passwordHash: string }) | null> {
    const [user] = await this.sql<Array<User & { passwordHash: string }>>`
      SELECT id, username, display_name AS "displayName", role, password_hash AS "passwordHash"
      FROM users WHERE username = ${username.toLowerCase()} AND disabled_at IS NULL`;
    return user ?? null;
  }

  async get(id: number): Promise<User | null> {
    const [user] = await this.sql<User[]>`SELECT id, username, display_name AS "displayName", role FROM users WHERE id = ${id}`;
    return user ?? null;
  }

  /** Disables an account: its refresh tokens stop at once, its access tokens on every replica within moments. */
  async disable(id: number): Promise<void> {
    await this.sql.begin(async (tx) => {
      const rows = await tx`UPDATE users SET disabled_at = COALESCE(disabled_at, now()) WHERE id = ${id} RETURNING id`;
      if (rows.length === 0) throw new ApiError('not_found', `no user with id ${id}`);
      await tx`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ${id} AND revoked_at IS NULL`;
      await this.revocations?.revokeUser(id, tx);
    });
  }

  async setPassword(id: number, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD_LENGTH) throw new ApiError('invalid_request', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
    const hash = await hashPassword(password);
    const rows = await this.sql`UPDATE users SET password_hash = ${hash} WHERE id = ${id} RETURNING id`;
    if (rows.length === 0) throw new ApiError('not_found', `no user with id ${id}`);
  }

  /** IT's reset: a new random password for an account (enabled or not); null when there is no such account. */
  async resetPassword(username: string): Promise<{ userId: number; password: string } | null> {
    const [user] = await this.sql<Array<{ id: number }>>`SELECT id FROM users WHERE username = ${username.toLowerCase()}`;
    if (!user) return null;
    const password = randomBytes(18).toString('base64url');
    await this.setPassword(Number(user.id), password);
    return { userId: Number(user.id), password };
  }

  /**
   * First start: with no account at all, creates `admin` with a random password and returns it
   * (printed once by the service). Under the migration lock's sibling, so two replicas cannot
   * both create one.
   */
  async bootstrapAdmin(): Promise<{ username: string; password: string } | null> {
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(7400001)`;
      const [{ n }] = await tx<[{ n: number }]>`SELECT count(*)::int AS n FROM users`;
      if (n > 0) return null;
      const password = randomBytes(18).toString('base64url');
      await tx`INSERT INTO users (username, display_name, role, password_hash) VALUES ('admin', 'Administrator', 'admin', ${await hashPassword(password)})`;
      return { username: 'admin', password };
    });
  }
}
