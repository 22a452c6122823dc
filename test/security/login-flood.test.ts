import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

/** N concurrent failed sign-ins for accounts that do not exist (so no account lock cuts them short). */
function failedLogins(url: string, count: number, tag: string) {
  let answered = 0;
  let firstFailed!: () => void;
  const firstAnswer = new Promise<void>((resolve) => (firstFailed = resolve));
  const all = Promise.all(
    Array.from({ length: count }, (_, i) =>
      api(url, '/v1/auth/login', { method: 'POST', body: { username: `nobody-${tag}-${i}`, password: 'wrong wrong wrong' } }).then((answer) => {
        answered++;
        if (answer.status === 401) firstFailed();
        return answer;
      }),
    ),
  );
  return { all, firstFailure: firstAnswer, pending: () => count - answered };
}

describe('a flood of failed sign-ins (real scrypt, real HTTP)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let token: string;
  beforeAll(async () => {
    cloud = await startTestCloud({ env: { CLOUD_PASSWORD_HASH_THREADS: '1', CLOUD_PASSWORD_HASH_QUEUE: '10' } });
    token = (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken;
  });
  afterAll(() => cloud.stop());

  it('authenticated reads do not queue behind password hashing', async () => {
    // One hashing thread, ten waiting: of 12 sign-ins 11 are checked one by one (~1 s each).
    const flood = failedLogins(cloud.url, 12, 'a');
    await flood.firstFailure;
    const read = await api(cloud.url, '/v1/me', { token });
    const pendingWhenRead = flood.pending();
    expect(read.status).toBe(200);
    // With scrypt on libuv's shared pool the token check waits for every hash queued before it.
    expect(pendingWhenRead).toBeGreaterThanOrEqual(6);
    expect((await flood.all).filter((a) => a.status === 401).length).toBeGreaterThanOrEqual(11);
  });

  it('answers 503 with Retry-After once the hashing queue is full, instead of queueing without end', async () => {
    const flood = failedLogins(cloud.url, 20, 'b');
    const answers = await flood.all;
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]!.body).toMatchObject({ error: 'unavailable' });
    expect(busy[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    // Every sign-in that found room was checked; the others were told at once to come back.
    expect(answers.filter((a) => a.status === 401).length + busy.length).toBe(20);
  });
});
