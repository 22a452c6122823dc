import { createHmac, timingSafeEqual } from 'node:crypto';

export interface NurseSession {
  readonly id: string;
  readonly name: string;
  /** Epoch ms after which the nurse must sign in again. */
  readonly expiresAt: number;
}

/**
 * Keeps a nurse signed in at a screen for a shift, across reconnects and gateway restarts,
 * without storing sessions: the page holds a key signed with a secret derived from the station's
 * UI token (`nurseId.name.expiresAt.signature`). Signing out revokes the key for the life of this
 * process; the shift timeout bounds a key's life in every case.
 */
export class NurseSessions {
  private readonly secret: Buffer;
  private readonly revoked = new Set<string>();

  constructor(
    uiToken: string,
    readonly shiftMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = createHmac('sha256', uiToken).update('nurse-session').digest();
  }

  issue(nurse: { id: string; name: string }): { session: NurseSession; key: string } {
    const session: NurseSession = { id: nurse.id, name: nurse.name, expiresAt: this.now() + this.shiftMs };
    const payload = [session.id, session.name, String(session.expiresAt)].map((p) => Buffer.from(p).toString('base64url')).join('.');
    return { session, key: `${payload}.${this.sign(payload)}` };
  }

  /** The session a key stands for, or null when forged, expired or signed out. */
  verify(key: string): NurseSession | null {
    if (typeof key !== 'string' || key.length > 1024 || this.revoked.has(key)) return null;
    const cut = key.lastIndexOf('.');
    if (cut < 0) return null;
    const payload = key.slice(0, cut);
    const given = Buffer.from(key.slice(cut + 1));
    const expected = Buffer.from(this.sign(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const [id, name, expires] = payload.split('.').map((p) => Buffer.from(p, 'base64url').toString());
    const expiresAt = Number(expires);
    if (!id || !name || !Number.isFinite(expiresAt) || expiresAt <= this.now()) return null;
    return { id, name, expiresAt };
  }

  revoke(key: string): void {
    if (this.verify(key)) this.revoked.add(key);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
