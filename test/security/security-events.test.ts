import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, putBatch, signIn, startTestCloud, type Tokens } from '../helpers/cloud-fixture.js';

interface SecurityEvent {
  id: number;
  at: string;
  event: string;
  username: string | null;
  userId: number | null;
  stationId: string | null;
  address: string | null;
  detail: Record<string, unknown> | null;
}

const MRN = 'SEC-MRN-4711';
const NAME = 'Secretly Named Patient';

describe('security events: recorded without patient data, queryable by an admin', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  const logLines: string[] = [];
  let adminToken: string;
  let credential: string;
  beforeAll(async () => {
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => { logLines.push(chunk.toString()); done(); } });
    cloud = await startTestCloud({ logger: pino({ level: 'info' }, sink) as FastifyBaseLogger, throttle: { maxFailures: 2, maxFailuresPerAddress: 100, windowSeconds: 900, lockSeconds: 900 } });
    adminToken = (await signIn(cloud.url, (await addUser(cloud.service, 'admin')).username)).accessToken;
    const station = await cloud.service.ctx.stations.provision('sec-ward', 'Security ward');
    credential = `${station.stationId}.${station.secret}`;
  });
  afterAll(() => cloud.stop());

  async function events(query = ''): Promise<SecurityEvent[]> {
    await cloud.service.ctx.securityEvents.flush();
    const answer = await api<{ items: SecurityEvent[] }>(cloud.url, `/v1/security-events${query}`, { token: adminToken });
    expect(answer.status).toBe(200);
    return answer.body.items;
  }

  it('records failed sign-ins, locks, refresh reuse, refused stations, denied permissions and refused rows', async () => {
    const nurse = await addUser(cloud.service, 'nurse');
    for (let i = 0; i < 3; i++) await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: nurse.username, password: 'wrong wrong wrong' } });
    const tokens = await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username);
    const next = await api<Tokens>(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: tokens.refreshToken } });
    await api(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: tokens.refreshToken } });
    const nurseToken = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    expect((await api(cloud.url, '/v1/stations', { token: nurseToken })).status).toBe(403);
    expect((await putBatch(cloud.url, 'sec-ward.not-the-secret', 'b1', { observations: [], alarmEvents: [] })).status).toBe(401);
    const future = { id: 1, deviceId: 'm', bedId: null, ts: Date.UTC(2099, 0, 1), patient: { mrn: MRN, name: NAME, birthDate: null }, vitals: { HR: 222 } };
    expect((await putBatch(cloud.url, credential, 'b2', { observations: [future], alarmEvents: [] })).status).toBe(200);
    await cloud.service.ctx.stations.revoke('sec-ward');
    expect((await putBatch(cloud.url, credential, 'b3', { observations: [], alarmEvents: [] })).status).toBe(403);
    expect(next.status).toBe(200);

    const kinds = (await events()).map((e) => e.event);
    expect(kinds).toEqual(expect.arrayContaining([
      'auth.login_failed', 'auth.login_throttled', 'auth.refresh_reused', 'access.denied', 'station.auth_failed', 'station.revoked', 'ingest.rows_refused',
    ]));
    const failed = await events('?event=auth.login_failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]).toMatchObject({ username: nurse.username, address: expect.any(String) });
  });

  it('keeps patient data out of events and logs, and is for admins only', async () => {
    const all = JSON.stringify(await events());
    expect(all).not.toContain(MRN);
    expect(all).not.toContain(NAME);
    const logged = logLines.join('');
    expect(logged).toContain('auth.login_failed');
    expect(logged).not.toContain(MRN);
    expect(logged).not.toContain(NAME);
    const nurseToken = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    expect((await api(cloud.url, '/v1/security-events', { token: nurseToken })).status).toBe(403);
  });
});
