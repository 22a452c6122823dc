import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, signIn, startTestCloud, type Tokens } from '../helpers/cloud-fixture.js';

/** Resolves once `url` refuses the token (polled: the revocation travels by NOTIFY to the other replica). */
async function refusedOn(url: string, token: string): Promise<{ status: number; body: unknown }> {
  for (;;) {
    const answer = await api(url, '/v1/me', { token });
    if (answer.status !== 200) return answer;
  }
}

describe('revocation bites on every replica within seconds (two replicas, one database)', () => {
  let a: Awaited<ReturnType<typeof startTestCloud>>;
  let b: Awaited<ReturnType<typeof startTestCloud>>;
  let adminToken: string;
  beforeAll(async () => {
    a = await startTestCloud();
    b = await startTestCloud({ databaseUrl: a.databaseUrl });
    adminToken = (await signIn(a.url, (await addUser(a.service, 'admin')).username)).accessToken;
  });
  afterAll(async () => {
    await b.service.close();
    await a.stop();
  });

  it('a disabled account: its access token is refused on the other replica', async () => {
    const nurse = await addUser(a.service, 'nurse');
    const tokens = await signIn(b.url, nurse.username);
    expect((await api(b.url, '/v1/me', { token: tokens.accessToken })).status).toBe(200);
    expect((await api(a.url, `/v1/users/${nurse.id}`, { method: 'DELETE', token: adminToken })).status).toBe(204);
    expect(await refusedOn(b.url, tokens.accessToken)).toMatchObject({ status: 401, body: { error: 'session_revoked' } });
  });

  it('logout: the access token of that session is refused everywhere, other sessions go on', async () => {
    const physician = await addUser(a.service, 'physician');
    const one = await signIn(a.url, physician.username);
    const other = await signIn(a.url, physician.username);
    expect((await api(a.url, '/v1/auth/logout', { method: 'POST', body: { refreshToken: one.refreshToken } })).status).toBe(204);
    expect(await refusedOn(b.url, one.accessToken)).toMatchObject({ status: 401, body: { error: 'session_revoked' } });
    expect((await api(b.url, '/v1/me', { token: other.accessToken })).status).toBe(200);
  });

  it('refresh-token reuse: every access token of the family is refused', async () => {
    const physician = await addUser(a.service, 'physician');
    const first = await signIn(a.url, physician.username);
    const second = (await api<Tokens>(a.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: first.refreshToken } })).body;
    expect((await api(a.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: first.refreshToken } })).status).toBe(401);
    expect(await refusedOn(b.url, second.accessToken)).toMatchObject({ status: 401, body: { error: 'session_revoked' } });
    expect(await refusedOn(b.url, first.accessToken)).toMatchObject({ status: 401 });
  });

  it('a replica started after the revocation knows it too', async () => {
    const nurse = await addUser(a.service, 'nurse');
    const tokens = await signIn(a.url, nurse.username);
    await api(a.url, '/v1/auth/logout', { method: 'POST', body: { refreshToken: tokens.refreshToken } });
    const c = await startTestCloud({ databaseUrl: a.databaseUrl });
    try {
      expect((await api(c.url, '/v1/me', { token: tokens.accessToken })).body).toMatchObject({ error: 'session_revoked' });
    } finally {
      await c.service.close();
    }
  });
});
