import { describe, expect, it } from 'vitest';
import { NurseSessions } from './nurse-sessions.js';

describe('nurse sessions', () => {
  let clock = 1_000_000;
  const sessions = new NurseSessions('token-a', 8 * 3600_000, () => clock);

  it('keeps a nurse signed in with the key until the shift timeout', () => {
    const { key, session } = sessions.issue({ id: 'ann', name: 'Ann Smith' });
    expect(session.expiresAt).toBe(clock + 8 * 3600_000);
    // A restarted gateway with the same UI token accepts the key.
    expect(new NurseSessions('token-a', 8 * 3600_000, () => clock).verify(key)).toEqual(session);
    clock += 8 * 3600_000 - 1;
    expect(sessions.verify(key)?.id).toBe('ann');
    clock += 1;
    expect(sessions.verify(key)).toBeNull();
  });

  it('refuses forged, altered, foreign and signed-out keys', () => {
    const { key } = sessions.issue({ id: 'ann', name: 'Ann' });
    const [, name, expires, sig] = key.split('.');
    const asBob = `${Buffer.from('bob').toString('base64url')}.${name}.${expires}.${sig}`;
    expect(sessions.verify(asBob)).toBeNull();
    expect(sessions.verify(`${key}x`)).toBeNull();
    expect(sessions.verify('nonsense')).toBeNull();
    expect(new NurseSessions('token-b', 3600_000, () => clock).verify(key)).toBeNull();
    sessions.revoke(key);
    expect(sessions.verify(key)).toBeNull();
  });
});
