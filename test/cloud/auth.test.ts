import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { AccessTokens } from '../../cloud/auth/access-tokens.js';
import { addUser, api, signIn, startTestCloud, type Tokens } from '../helpers/cloud-fixture.js';

describe('cloud auth (real PostgreSQL, real HTTP)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let physician: { username: string; password: string; id: number };
  let admin: { username: string; password: string; id: number };
  beforeAll(async () => {
    cloud = await startTestCloud({ throttle: { maxFailures: 3, maxFailuresPerAddress: 100, windowSeconds: 900, lockSeconds: 900 } });
    physician = await addUser(cloud.service, 'physician');
    admin = await addUser(cloud.service, 'admin');
  });
  afterAll(() => cloud.stop());

  it('signs in, answers /v1/me, and stores only a scrypt hash of the password', async () => {
    const tokens = await signIn(cloud.url, physician.username);
    expect(tokens.expiresIn).toBe(900);
    const me = await api<{ username: string; role: string }>(cloud.url, '/v1/me', { token: tokens.accessToken });
    expect(me.body).toMatchObject({ username: physician.username, role: 'physician' });
    const [row] = await cloud.service.ctx.sql<[{ hash: string }]>`SELECT password_hash AS hash FROM users WHERE id = ${physician.id}`;
    expect(row.hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(row.hash).not.toContain(physician.password);
  });

  it('refuses a wrong password, no token, and a role that does not fit the route', async () => {
    const wrong = await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: admin.username, password: 'nope nope nope' } });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect((await api(cloud.url, '/v1/patients')).body).toMatchObject({ error: 'unauthenticated' });
    const tokens = await signIn(cloud.url, physician.username);
    const forbidden = await api(cloud.url, '/v1/stations', { token: tokens.accessToken });
    expect(forbidden).toMatchObject({ status: 403, body: { error: 'forbidden' } });
  });

  it('rejects expired, tampered, alg:none and wrong-audience tokens', async () => {
    const [{ value }] = await cloud.service.ctx.sql<[{ value: Buffer }]>`SELECT value FROM service_secrets WHERE name = 'jwt-hs256'`;
    const key = new Uint8Array(value);
    const expired = await new AccessTokens(key, 60, () => Date.now() - 3600_000).issue(physician.id, 'physician', crypto.randomUUID());
    expect((await api(cloud.url, '/v1/me', { token: expired })).body).toMatchObject({ error: 'token_expired' });

    const good = (await signIn(cloud.url, physician.username)).accessToken;
    const [header, payload, signature] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`;
    expect((await api(cloud.url, '/v1/stations', { token: tampered })).body).toMatchObject({ error: 'invalid_token' });

    const none = new UnsecuredJWT({ role: 'admin' }).setSubject(String(admin.id)).setIssuer('ward-cloud').setAudience('ward-cloud-api').setIssuedAt().setExpirationTime('5m').encode();
    expect((await api(cloud.url, '/v1/stations', { token: none })).body).toMatchObject({ error: 'invalid_token' });

    const otherAudience = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(admin.id)).setIssuer('ward-cloud').setAudience('someone-else').setIssuedAt().setExpirationTime('5m').sign(key);
    expect((await api(cloud.url, '/v1/stations', { token: otherAudience })).body).toMatchObject({ error: 'invalid_token' });

    const otherKey = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(admin.id)).setIssuer('ward-cloud').setAudience('ward-cloud-api').setIssuedAt().setExpirationTime('5m').sign(new Uint8Array(32));
    expect((await api(cloud.url, '/v1/stations', { token: otherKey })).body).toMatchObject({ error: 'invalid_token' });
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const first = await signIn(cloud.url, physician.username);
    const second = await api<Tokens>(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    // The stolen first token is presented again: refused, and the family (incl. the new token) dies.
    const reuse = await api(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: first.refreshToken } });
    expect(reuse).toMatchObject({ status: 401, body: { error: 'refresh_token_reused' } });
    const after = await api(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: second.body.refreshToken } });
    expect(after).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    // Only hashes are stored.
    const rows = await cloud.service.ctx.sql`SELECT 1 FROM refresh_tokens WHERE token_hash::text LIKE ${'%' + first.refreshToken + '%'}`;
    expect(rows.length).toBe(0);
  });

  it('of two concurrent refreshes with one token, exactly one wins', async () => {
    const tokens = await signIn(cloud.url, physician.username);
    const answers = await Promise.all([1, 2].map(() => api(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: tokens.refreshToken } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
  });

  it('logout revokes the refresh token', async () => {
    const tokens = await signIn(cloud.url, physician.username);
    expect((await api(cloud.url, '/v1/auth/logout', { method: 'POST', body: { refreshToken: tokens.refreshToken } })).status).toBe(204);
    expect((await api(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: tokens.refreshToken } })).status).toBe(401);
  });

  it('throttles sign-in per account at an address, even with the right password, and says when to retry', async () => {
    const victim = await addUser(cloud.service, 'nurse');
    for (let i = 0; i < 3; i++) {
      const r = await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: victim.username, password: 'guess guess guess' } });
      expect(r.status).toBe(401);
    }
    const locked = await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: victim.username, password: victim.password } });
    expect(locked).toMatchObject({ status: 429, body: { error: 'too_many_attempts' } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('throttles per address too, across accounts', async () => {
    const { LoginThrottle } = await import('../../cloud/auth/login-throttle.js');
    const throttle = new LoginThrottle(cloud.service.ctx.sql, { maxFailures: 100, maxFailuresPerAddress: 4, windowSeconds: 900, lockSeconds: 900 });
    for (let i = 0; i < 4; i++) await throttle.begin(LoginThrottle.keys(`someone-${i}`, '198.51.100.7'));
    await expect(throttle.begin(LoginThrottle.keys('anyone', '198.51.100.7'))).rejects.toMatchObject({ code: 'too_many_attempts' });
    await expect(throttle.begin(LoginThrottle.keys('anyone', '198.51.100.8'))).resolves.toBeUndefined();
  });

  it('provisions and revokes stations (admin only); a revoked station is refused', async () => {
    const token = (await signIn(cloud.url, admin.username)).accessToken;
    const created = await api<{ credential: string; secret: string }>(cloud.url, '/v1/stations', { method: 'POST', token, body: { id: 'ward-9', name: 'Ward 9' } });
    expect(created.status).toBe(201);
    const batch = { observations: [], alarmEvents: [] };
    const { putBatch } = await import('../helpers/cloud-fixture.js');
    expect((await putBatch(cloud.url, created.body.credential, 'b-1', batch)).status).toBe(200);
    expect((await putBatch(cloud.url, 'ward-9.wrong-secret', 'b-2', batch)).body).toMatchObject({ error: 'invalid_credentials' });
    expect((await api(cloud.url, '/v1/stations', { method: 'POST', token, body: { id: 'ward-9', name: 'again' } })).status).toBe(409);
    expect((await api(cloud.url, '/v1/stations/ward-9/revoke', { method: 'POST', token })).status).toBe(204);
    expect(await putBatch(cloud.url, created.body.credential, 'b-3', batch)).toMatchObject({ status: 403, body: { error: 'station_revoked' } });
  });

  it('serves an OpenAPI document and the health with the storage mode', async () => {
    const doc = await api<{ openapi: string; paths: Record<string, unknown> }>(cloud.url, '/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/auth/login', '/v1/stations/{stationId}/batches/{batchId}', '/v1/patients/{patientId}/vitals']));
    expect((await api(cloud.url, '/v1/health')).body).toMatchObject({ status: 'ok', storageMode: inject('storageMode'), database: 'up' });
    expect(await api(cloud.url, '/v1/nothing-here')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});
