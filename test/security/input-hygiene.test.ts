import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

const cursorOf = (text: string): string => Buffer.from(text).toString('base64url');

describe('hostile and sloppy input gets a clear 4xx, never a 500 (real HTTP)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let token: string;
  let patientId: number;
  beforeAll(async () => {
    cloud = await startTestCloud({ env: { CLOUD_CORS_ORIGINS: 'https://ward-app.example.org', CLOUD_HSTS: 'true' } });
    token = (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken;
    [{ id: patientId }] = await cloud.service.ctx.sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('HY-1', 'Hygiene Patient') RETURNING id`;
  });
  afterAll(() => cloud.stop());

  it('malformed cursors answer 400', async () => {
    for (const cursor of [cursorOf('["zzz%",1e999]'), cursorOf('["a\\u0000b",1]'), cursorOf('["a",1.5e300]'), 'not base64 at all!', cursorOf('{"a":1}')]) {
      const answer = await api(cloud.url, `/v1/patients?cursor=${encodeURIComponent(cursor)}`, { token });
      expect({ cursor, status: answer.status, body: answer.body }).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    }
  });

  it('accepts canonical decimal ids only; out-of-range ids are 400, never 500', async () => {
    expect((await api(cloud.url, `/v1/patients/${patientId}`, { token })).status).toBe(200);
    for (const id of ['0x10', `+${patientId}`, `${patientId}.0`, '-1.5', '99999999999999999999', '1e3', `0${patientId}`, ' 3']) {
      const answer = await api(cloud.url, `/v1/patients/${encodeURIComponent(id)}`, { token });
      expect({ id, status: answer.status }).toEqual({ id, status: 400 });
    }
    const query = await api(cloud.url, `/v1/patients/${patientId}/vitals?from=0x10&to=99`, { token });
    expect(query.status).toBe(400);
  });

  it('keeps database text out of messages', async () => {
    const answer = await api(cloud.url, `/v1/patients?cursor=${cursorOf('["x",9223372036854775807]')}`, { token });
    expect(answer.status).toBeLessThan(500);
    expect(JSON.stringify(answer.body)).not.toMatch(/bigint|out of range|syntax|relation|constraint/i);
  });

  it('sends security headers, and no-store on patient data', async () => {
    const answer = await api(cloud.url, `/v1/patients/${patientId}`, { token });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CORS only for the allowed origins, and OPTIONS answers', async () => {
    const preflight = await fetch(`${cloud.url}/v1/patients`, { method: 'OPTIONS', headers: { origin: 'https://ward-app.example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ward-app.example.org');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const stranger = await fetch(`${cloud.url}/v1/patients`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    expect(stranger.status).toBe(204);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const read = await api(cloud.url, `/v1/patients/${patientId}`, { token, headers: { origin: 'https://ward-app.example.org' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://ward-app.example.org');
    expect(read.headers.get('vary')).toMatch(/origin/i);
  });

  it('an empty body with content-type: application/json is no body, not a 400', async () => {
    const response = await fetch(`${cloud.url}/v1/appointments/999999/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'appointment_not_found' });
  });
});
