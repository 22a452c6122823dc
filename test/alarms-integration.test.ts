import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { frameMllp } from '../gateway/ingest/hl7/mllp-framing.js';
import { silentLogger } from '../gateway/log.js';
import type { UiServerMessage } from '../gateway/protocol/ui-channel.js';
import { startStation, type Station } from '../gateway/station.js';
import { tempDir, testConfig } from './helpers/station-fixture.js';
import { datedYesterday } from './helpers/hl7-dates.js';

/** A screen on the UI channel: records pushed messages, makes typed requests. */
async function screen(station: Station) {
  const ws = new WebSocket(`${station.ui.channelUrl}?token=${station.ui.token}`);
  const messages: UiServerMessage[] = [];
  const waiters: Array<{ pred: (m: UiServerMessage) => boolean; resolve: (m: UiServerMessage) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as UiServerMessage;
    messages.push(m);
    for (const w of [...waiters]) {
      if (!w.pred(m)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  await new Promise<void>((resolve) => ws.once('open', () => resolve()));
  let id = 0;
  return {
    ws,
    next: (pred: (m: UiServerMessage) => boolean) => new Promise<UiServerMessage>((resolve) => waiters.push({ pred, resolve })),
    async call(method: string, params: object) {
      const requestId = ++id;
      const reply = new Promise<UiServerMessage>((resolve) => waiters.push({ pred: (m) => m.type === 'response' && m.id === requestId, resolve }));
      ws.send(JSON.stringify({ type: 'request', id: requestId, method, params }));
      return reply as Promise<Extract<UiServerMessage, { type: 'response' }>>;
    },
  };
}

const alarmStarted = (condition: string) => (m: UiServerMessage) => m.type === 'alarms' && m.events.some((e) => e.phase === 'start' && e.alarm.condition === condition);

describe('alarms in the running station', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function boot(dataDir: string) {
    const station = await startStation(testConfig(dataDir, { mllp: true }), silentLogger());
    return station;
  }

  it('a desaturation over WebSocket and a tachycardia over HL7 reach the screen at once, are stored, and survive a restart', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    let station = await boot(dir.path);
    station.ward.addBed('B1', 'Bed 1', 't');
    station.ward.admit({ bedId: 'B1', mrn: 'MRN0042', name: 'John Doe' }, 't');
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 't').key!;
    station.registry.register({ id: 'HL7MON', model: 'HL7 monitor', transport: 'hl7', bedId: 'B1' }, 't');
    station.nurses.add('ann', 'Ann', '4711', 't');
    const ui = await screen(station);

    const device = new DeviceClient({ url: `ws://127.0.0.1:${station.devicePort}/devices`, key });
    await device.connect();
    const spo2 = ui.next(alarmStarted('SPO2_LOW'));
    device.send({ SPO2: 80, HR: 95 });
    const spo2Event = (await spo2) as Extract<UiServerMessage, { type: 'alarms' }>;
    expect(spo2Event.events[0]!.alarm).toMatchObject({ priority: 'high', bedId: 'B1', deviceId: 'mon-1', value: 80, limit: 85, state: 'active' });
    expect(spo2Event.view.audio.sounding).toBe('high');

    const hr = ui.next(alarmStarted('HR_HIGH'));
    const socket = connect(station.mllpPort!, '127.0.0.1');
    socket.write(frameMllp(datedYesterday(`MSH|^~\\&|HL7MON|ICU|||${'20261124101500'}+0000||ORU^R01|M1|P|2.6\rPID|||MRN0042\rOBR|1||||||20261124101500+0000\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1|165|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F\r`)));
    await hr;
    socket.destroy();

    // Acknowledge needs a signed-in nurse, and records her.
    const alarmId = spo2Event.events[0]!.alarm.id;
    expect(await ui.call('alarms.acknowledge', { alarmId })).toMatchObject({ ok: false, error: { code: 'sign_in_required' } });
    expect(await ui.call('session.signIn', { nurseId: 'ann', pin: '4711' })).toMatchObject({ ok: true });
    const acked = ui.next((m) => m.type === 'alarms' && m.events.some((e) => e.alarm.id === alarmId && e.alarm.inactivation === 'acknowledged'));
    expect(await ui.call('alarms.acknowledge', { alarmId })).toMatchObject({ ok: true });
    const ackEvent = ((await acked) as Extract<UiServerMessage, { type: 'alarms' }>).events[0]!;
    expect(ackEvent.actor).toBe('nurse:ann');

    const history = await ui.call('alarms.history', { bedId: 'B1', from: 0, to: Date.now() + 1 });
    expect(history).toMatchObject({ ok: true });
    expect((history as { result: Array<{ condition: string; priority: string }> }).result.map((h) => `${h.condition} ${h.priority}`).sort()).toEqual(['HR_HIGH PH', 'SPO2_LOW PH']);
    const stored = station.db.prepare('SELECT condition, phase, priority, actor FROM alarm_events ORDER BY id').all();
    expect(stored).toEqual([
      { condition: 'SPO2_LOW', phase: 'start', priority: 'PH', actor: null },
      { condition: 'HR_HIGH', phase: 'start', priority: 'PH', actor: null },
      { condition: 'SPO2_LOW', phase: 'update', priority: 'PH', actor: 'nurse:ann' },
    ]);

    await device.close();
    ui.ws.close();
    await station.stop();
    station = await boot(dir.path);
    cleanups.push(() => station.stop());
    expect(station.alarms.view().present.map((a) => [a.condition, a.state, a.inactivation])).toEqual([
      ['SPO2_LOW', 'active', 'acknowledged'],
      ['HR_HIGH', 'active', 'none'],
    ]);
  });

  it('audits alarm limit changes with the nurse and refuses a low limit above the high one', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const station = await boot(dir.path);
    cleanups.push(() => station.stop());
    station.ward.addBed('B1', 'Bed 1', 't');
    station.nurses.add('ann', 'Ann', '4711', 't');
    const ui = await screen(station);
    cleanups.push(() => ui.ws.close());
    await ui.call('session.signIn', { nurseId: 'ann', pin: '4711' });
    expect(await ui.call('alarms.setLimits', { bedId: 'B1', code: 'HR', low: 45, high: 130 })).toMatchObject({ ok: true, result: { low: 45, high: 130 } });
    expect(await ui.call('alarms.setLimits', { bedId: 'B1', code: 'HR', low: 140, high: 130 })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    // Requests are checked against the channel's schema before any handler runs: wrong types are
    // refused with the field named, never coerced (a string limit is not a number).
    for (const [method, params, field] of [
      ['alarms.setLimits', { bedId: 'B1', code: 'XX', low: 45 }, '/code'],
      ['alarms.setLimits', { bedId: 'B1', code: 'HR', low: '45' }, '/low'],
      ['trend.get', { bedId: 'B1', code: 'HR', from: 'yesterday', to: 2 }, '/from'],
      ['ward.admit', { bedId: 'B1', mrn: 7, name: 'X' }, '/mrn'],
    ] as const) {
      const reply = await ui.call(method, params);
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
      expect(reply.ok ? '' : reply.error.message).toContain(field);
    }
    expect(await ui.call('alarms.limits', { bedId: 'B1' })).toMatchObject({ ok: true, result: { HR: { low: 45, high: 130 } } });
    const audit = station.db.prepare("SELECT actor, subject, detail FROM audit_log WHERE action = 'alarm.limits'").all() as Array<{ actor: string; subject: string; detail: string }>;
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe('nurse:ann');
    expect(JSON.parse(audit[0]!.detail)).toEqual({ code: 'HR', before: { low: 50, high: 120 }, after: { low: 45, high: 130 } });
  });
});
