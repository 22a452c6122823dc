import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, signIn, startTestCloud, TEST_PASSWORD } from '../helpers/cloud-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cloud', 'reset-password.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('password change (API) and reset (CLI for IT)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  beforeAll(async () => {
    cloud = await startTestCloud({ throttle: { maxFailures: 2, maxFailuresPerAddress: 100, windowSeconds: 900, lockSeconds: 900 } });
  });
  afterAll(() => cloud.stop());

  it('a user changes their password: the current one is required, other sessions end, this one goes on', async () => {
    const nurse = await addUser(cloud.service, 'nurse');
    const here = await signIn(cloud.url, nurse.username);
    const elsewhere = await signIn(cloud.url, nurse.username);
    const wrong = await api(cloud.url, '/v1/me/password', { method: 'POST', token: here.accessToken, body: { currentPassword: 'not my password', newPassword: 'a new long password 1' } });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    const short = await api(cloud.url, '/v1/me/password', { method: 'POST', token: here.accessToken, body: { currentPassword: TEST_PASSWORD, newPassword: 'short' } });
    expect(short.status).toBe(400);
    const changed = await api(cloud.url, '/v1/me/password', { method: 'POST', token: here.accessToken, body: { currentPassword: TEST_PASSWORD, newPassword: 'a new long password 1' } });
    expect(changed.status).toBe(204);
    expect((await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: nurse.username, password: TEST_PASSWORD } })).status).toBe(401);
    await signIn(cloud.url, nurse.username, 'a new long password 1');
    expect((await api(cloud.url, '/v1/me', { token: here.accessToken })).status).toBe(200);
    for (;;) if ((await api(cloud.url, '/v1/me', { token: elsewhere.accessToken })).status === 401) break;
    expect((await api(cloud.url, '/v1/auth/refresh', { method: 'POST', body: { refreshToken: elsewhere.refreshToken } })).status).toBe(401);
  });

  it('IT resets a locked-out admin from the command line: new password in an owner-only file, locks lifted, sessions ended', async () => {
    const admin = await addUser(cloud.service, 'admin');
    const session = await signIn(cloud.url, admin.username);
    for (let i = 0; i < 3; i++) await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: admin.username, password: 'guess guess guess' } });
    expect((await api(cloud.url, '/v1/auth/login', { method: 'POST', body: { username: admin.username, password: TEST_PASSWORD } })).status).toBe(429);
    const file = join(mkdtempSync(join(tmpdir(), 'ward-reset-')), 'password');
    const result = await run([admin.username, '--password-file', file], { DATABASE_URL: cloud.databaseUrl });
    expect(result).toMatchObject({ code: 0 });
    const password = readFileSync(file, 'utf8').trim();
    expect(result.stdout).not.toContain(password);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await signIn(cloud.url, admin.username, password);
    for (;;) if ((await api(cloud.url, '/v1/me', { token: session.accessToken })).status === 401) break;
    expect(await run(['nobody-here', '--password-file', file], { DATABASE_URL: cloud.databaseUrl })).toMatchObject({ code: 1, stderr: expect.stringContaining('no account') });
  });
});
