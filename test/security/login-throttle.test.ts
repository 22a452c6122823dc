import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, signIn, startTestCloud, TEST_PASSWORD } from '../helpers/cloud-fixture.js';

/** A sign-in as seen from `address` (the service trusts X-Forwarded-For here, as behind a proxy). */
function login(url: string, username: string, password: string, address: string) {
  return api(url, '/v1/auth/login', { method: 'POST', body: { username, password }, headers: { 'x-forwarded-for': address } });
}

describe('sign-in throttling an attacker cannot turn against others (real PostgreSQL)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  beforeAll(async () => {
    cloud = await startTestCloud({
      env: { CLOUD_TRUST_PROXY: 'true', CLOUD_PASSWORD_HASH_THREADS: '2', CLOUD_PASSWORD_HASH_QUEUE: '100' },
      throttle: { maxFailures: 5, maxFailuresPerAddress: 8, windowSeconds: 900, lockSeconds: 900 },
    });
  });
  afterAll(() => cloud.stop());

  it('counts concurrent attempts atomically: of 12 at once, only the allowed 5 are checked', async () => {
    const victim = await addUser(cloud.service, 'nurse');
    const answers = await Promise.all(Array.from({ length: 12 }, () => login(cloud.url, victim.username, 'guess guess guess', '198.51.100.1')));
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(7);
    const [row] = await cloud.service.ctx.sql<[{ failures: number }]>`SELECT failures FROM login_throttle WHERE key = ${`addr:198.51.100.1`}`;
    expect(row.failures).toBeLessThanOrEqual(8);
  });

  it('failures from elsewhere do not lock the account out where its owner signs in', async () => {
    const admin = await addUser(cloud.service, 'admin');
    for (let i = 0; i < 6; i++) await login(cloud.url, admin.username, 'guess guess guess', '203.0.113.9');
    expect((await login(cloud.url, admin.username, TEST_PASSWORD, '203.0.113.9')).status).toBe(429);
    expect((await login(cloud.url, admin.username, TEST_PASSWORD, '192.0.2.44')).status).toBe(200);
  });

  it('an address locked by failures still lets in an account that signed in from it before', async () => {
    const nurse = await addUser(cloud.service, 'nurse');
    expect((await login(cloud.url, nurse.username, TEST_PASSWORD, '10.9.9.9')).status).toBe(200);
    // Someone behind the same address (a ward's NAT, or a proxy without CLOUD_TRUST_PROXY) guesses.
    for (let i = 0; i < 9; i++) await login(cloud.url, `ghost-${i}`, 'guess guess guess', '10.9.9.9');
    expect((await login(cloud.url, 'ghost-x', 'guess guess guess', '10.9.9.9')).status).toBe(429);
    expect((await login(cloud.url, nurse.username, TEST_PASSWORD, '10.9.9.9')).status).toBe(200);
  });

  it('an admin sees the locks and lifts one; each lock of the same key lasts longer', async () => {
    const admin = await addUser(cloud.service, 'admin');
    const token = (await signIn(cloud.url, admin.username)).accessToken;
    const locked = await addUser(cloud.service, 'physician');
    for (let i = 0; i < 6; i++) await login(cloud.url, locked.username, 'guess guess guess', '198.51.100.77');
    const first = await login(cloud.url, locked.username, TEST_PASSWORD, '198.51.100.77');
    expect(first.status).toBe(429);
    const list = await api<Array<{ username: string | null; address: string | null; lockedUntil: string }>>(cloud.url, '/v1/auth/lockouts', { token });
    expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ username: locked.username, address: '198.51.100.77' })]));
    expect((await api(cloud.url, `/v1/auth/lockouts?username=${locked.username}`, { method: 'DELETE', token })).status).toBe(204);
    expect((await login(cloud.url, locked.username, TEST_PASSWORD, '198.51.100.77')).status).toBe(200);
    // Locked again after more failures: longer than the first time.
    for (let i = 0; i < 6; i++) await login(cloud.url, locked.username, 'guess guess guess', '198.51.100.77');
    const second = await login(cloud.url, locked.username, TEST_PASSWORD, '198.51.100.77');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(Number(first.headers.get('retry-after')));
  });
});
