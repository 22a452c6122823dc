import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.js';

const KEY = new Uint8Array(32).fill(7);
const T0 = Date.UTC(2026, 11, 3, 12);

/** A clock the test moves, and a revocation set it edits. */
function setUp(maxRemembered?: number) {
  const clock = { now: T0 };
  const revoked = new Set<string>();
  const tokens = new AccessTokens(KEY, 900, () => clock.now, { isRevoked: (sid) => revoked.has(sid) }, maxRemembered);
  return { clock, revoked, tokens };
}

describe('AccessTokens: a verified token is remembered, its expiry and revocation checked every time', () => {
  it('accepts the same token again, remembered', async () => {
    const { tokens } = setUp();
    const token = await tokens.issue(42, 'nurse', 'session-a');
    await expect(tokens.verify(token)).resolves.toEqual({ kind: 'user', userId: 42, role: 'nurse', sessionId: 'session-a' });
    await expect(tokens.verify(token)).resolves.toMatchObject({ userId: 42 });
    expect(tokens.rememberedTokens).toBe(1);
  });

  it('refuses a remembered token once it has expired', async () => {
    const { clock, tokens } = setUp();
    const token = await tokens.issue(42, 'nurse', 'session-a');
    await tokens.verify(token);
    clock.now = T0 + 899_000;
    await expect(tokens.verify(token)).resolves.toMatchObject({ userId: 42 });
    clock.now = T0 + 900_000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'token_expired' });
    expect(tokens.rememberedTokens).toBe(0);
  });

  it('refuses a remembered token as soon as its session is revoked', async () => {
    const { revoked, tokens } = setUp();
    const token = await tokens.issue(42, 'nurse', 'session-a');
    await tokens.verify(token);
    revoked.add('session-a');
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'session_revoked' });
  });

  it('never takes a token for one it remembers: one changed character, or another key, is refused', async () => {
    const { tokens } = setUp();
    const token = await tokens.issue(42, 'nurse', 'session-a');
    await tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    await expect(tokens.verify(`${header}.${forgedPayload}.${signature}`)).rejects.toMatchObject({ code: 'invalid_token' });
    const flipped = signature!.slice(0, -2) + (signature!.at(-2) === 'A' ? 'B' : 'A') + signature!.at(-1);
    await expect(tokens.verify(`${header}.${payload}.${flipped}`)).rejects.toMatchObject({ code: 'invalid_token' });
    const other = await new AccessTokens(new Uint8Array(32).fill(8), 900, () => T0).issue(42, 'admin', 'session-a');
    await expect(tokens.verify(other)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(tokens.rememberedTokens).toBe(1);
  });

  it('remembers a bounded number of tokens, forgetting the oldest, which still verify afresh', async () => {
    const { tokens } = setUp(3);
    const issued = await Promise.all([1, 2, 3, 4, 5].map((id) => tokens.issue(id, 'physician', `s-${id}`)));
    for (const token of issued) await tokens.verify(token);
    expect(tokens.rememberedTokens).toBe(3);
    await expect(tokens.verify(issued[0]!)).resolves.toMatchObject({ userId: 1 });
    expect(tokens.rememberedTokens).toBe(3);
  });
});
