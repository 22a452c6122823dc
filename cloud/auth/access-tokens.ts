import { errors, jwtVerify, SignJWT } from 'jose';
import { ApiError } from '../errors.js';

export type Role = 'admin' | 'physician' | 'nurse';

export interface Principal {
  readonly kind: 'user';
  readonly userId: number;
  readonly role: Role;
  /** The sign-in this token belongs to (its refresh-token family): what logout revokes. */
  readonly sessionId: string;
}

/** Whether a session or account was revoked after its tokens were issued. */
export interface RevocationCheck {
  isRevoked(sessionId: string, userId: number): boolean;
}

export const ISSUER = 'ward-cloud';
export const AUDIENCE = 'ward-cloud-api';

/** How many verified tokens a replica remembers: far more than its signed-in clients, a few MB at most. */
const REMEMBERED_TOKENS = 10_000;

/**
 * Short-lived HS256 access tokens. The key is shared by every replica (kept in the database,
 * or given by the operator); verification needs no database round trip. Only HS256 is accepted,
 * so `alg: none` and algorithm-confusion tokens are refused by construction. Each token names its
 * session (`sid`); a revoked session or disabled account is refused at once, from the in-memory
 * revocation set every replica keeps current.
 *
 * A client sends the same token with every request of its 15 minutes, and the HMAC check (through
 * WebCrypto, with a key import and a trip to the thread pool) cost more than a cached search. So a
 * token whose signature, issuer and audience were verified is remembered by its exact text (the
 * same bytes always pass those checks again); its expiry and its session's revocation are checked
 * on every request, remembered or not. At most REMEMBERED_TOKENS, the oldest forgotten first; only
 * tokens this service signed get in.
 */
export class AccessTokens {
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(
    private readonly key: Uint8Array,
    readonly ttlSeconds = 15 * 60,
    private readonly now: () => number = Date.now,
    private readonly revocations: RevocationCheck = { isRevoked: () => false },
    private readonly maxRemembered = REMEMBERED_TOKENS,
  ) {}

  issue(userId: number, role: Role, sessionId: string): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({ role, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.key);
  }

  /** Tokens remembered as verified (bounded by maxRemembered). */
  get rememberedTokens(): number {
    return this.verified.size;
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) return this.admit(token, known.principal, known.exp);
    let principal: Principal;
    let exp: number;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { role, sid } = payload;
      const userId = Number(payload.sub);
      if ((role !== 'admin' && role !== 'physician' && role !== 'nurse') || !Number.isSafeInteger(userId)) throw new ApiError('invalid_token', 'the access token does not name a user and role');
      // Tokens from before sessions were named: refreshing gives one that names its session.
      if (typeof sid !== 'string') throw new ApiError('token_expired', 'the access token has expired; refresh it');
      principal = { kind: 'user', userId, role, sessionId: sid };
      exp = payload.exp!;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof errors.JWTExpired) throw new ApiError('token_expired', 'the access token has expired; refresh it');
      throw new ApiError('invalid_token', 'the access token is not valid');
    }
    if (this.verified.size >= this.maxRemembered) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, exp });
    return this.admit(token, principal, exp);
  }

  /** The checks that depend on the moment, made on every request: expiry (as jose: expired from `exp` on) and revocation. */
  private admit(token: string, principal: Principal, exp: number): Principal {
    if (exp <= Math.floor(this.now() / 1000)) {
      this.verified.delete(token);
      throw new ApiError('token_expired', 'the access token has expired; refresh it');
    }
    if (this.revocations.isRevoked(principal.sessionId, principal.userId)) throw new ApiError('session_revoked', 'this session was signed out or the account disabled; sign in again');
    return principal;
  }
}
