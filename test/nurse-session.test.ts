import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Station } from '../gateway/station.js';
import type { SignedInNurse, UiResponse } from '../gateway/protocol/ui-channel.js';
import { startTestStation } from './helpers/station-fixture.js';

/** One UI connection, as one page's: calls a method and returns the response. */
async function screen(station: Station): Promise<{ call(method: string, params: unknown): Promise<UiResponse>; close(): void }> {
  const ws = new WebSocket(`${station.ui.channelUrl}?token=${station.ui.token}`);
  await new Promise((resolve) => ws.once('open', resolve));
  let id = 0;
  return {
    call(method, params) {
      const requestId = ++id;
      ws.send(JSON.stringify({ type: 'request', id: requestId, method, params }));
      return new Promise((resolve) => {
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString()) as UiResponse;
          if (message.type !== 'response' || message.id !== requestId) return;
          ws.off('message', onMessage);
          resolve(message);
        };
        ws.on('message', onMessage);
      });
    },
    close: () => ws.close(),
  };
}

describe('a nurse signed in at a screen', () => {
  let station: Station;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ station, stop } = await startTestStation());
    station.ward.addBed('B1', 'Bed 1', 't');
    station.nurses.add('ann', 'Ann Smith', '4711', 't');
  });
  afterAll(async () => stop?.());

  it('stays signed in on a new connection with the session key, until signed out or disabled', async () => {
    const first = await screen(station);
    const signIn = await first.call('session.signIn', { nurseId: 'ann', pin: '4711' });
    expect(signIn).toMatchObject({ ok: true, result: { id: 'ann', name: 'Ann Smith' } });
    const { sessionKey, expiresAt } = (signIn as { result: SignedInNurse }).result;
    // The default shift: 12 hours.
    expect(expiresAt - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    first.close();

    const second = await screen(station);
    expect(await second.call('alarms.setLimits', { bedId: 'B1', code: 'HR', low: 45, high: 130 })).toMatchObject({ ok: false, error: { code: 'sign_in_required' } });
    expect(await second.call('session.resume', { sessionKey })).toMatchObject({ ok: true, result: { id: 'ann' } });
    expect(await second.call('alarms.setLimits', { bedId: 'B1', code: 'HR', low: 45, high: 130 })).toMatchObject({ ok: true });
    expect(await second.call('session.resume', { sessionKey: `${sessionKey}x` })).toMatchObject({ ok: false, error: { code: 'session_expired' } });

    station.nurses.disable('ann', 't');
    expect(await second.call('session.resume', { sessionKey })).toMatchObject({ ok: false, error: { code: 'session_expired' } });
    second.close();
  });

  it('signing out ends the key', async () => {
    station.nurses.add('bob', 'Bob Jones', '1357', 't');
    const page = await screen(station);
    const { sessionKey } = ((await page.call('session.signIn', { nurseId: 'bob', pin: '1357' })) as { result: SignedInNurse }).result;
    expect(await page.call('session.signOut', { sessionKey })).toMatchObject({ ok: true });
    expect(await page.call('session.resume', { sessionKey })).toMatchObject({ ok: false, error: { code: 'session_expired' } });
    page.close();
  });
});
