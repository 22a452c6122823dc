import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import type { VitalValues } from '../protocol/vitals.js';
import { AlarmEngine } from './alarm-engine.js';
import { DEFAULT_ALARM_CONFIG } from './alarm-rules.js';

function engine() {
  let n = 0;
  return new AlarmEngine(DEFAULT_ALARM_CONFIG, () => `a${++n}`);
}
const bed = (vitals: VitalValues) => ({ bedId: 'B1', patientId: 7, deviceId: 'mon-1', vitals });
/** Compact view of events: phase condition priority state inactivation. */
const brief = (events: readonly AlarmEvent[]) => events.map((e) => `${e.phase} ${e.alarm.condition} ${e.alarm.priority} ${e.alarm.state} ${e.alarm.inactivation}`);

/** Feeds one sample a second from t0 and collects every event with its time. */
function run(e: AlarmEngine, values: VitalValues[], t0 = 0): string[] {
  const out: string[] = [];
  values.forEach((v, i) => {
    const t = t0 + i * 1000;
    for (const line of brief([...e.sample(bed(v), t), ...e.tick(t)])) out.push(`${t / 1000}s ${line}`);
  });
  return out;
}

describe('alarm engine scenarios', () => {
  it('threshold oscillation (99-101 bpm around 100): no storm, at most one alarm', () => {
    const e = engine();
    e.setLimits('B1', 'HR', { low: 50, high: 100 }, 'nurse', 0);
    const oscillating = Array.from({ length: 120 }, (_, i) => ({ HR: i % 2 === 0 ? 101 : 99 }));
    expect(run(e, oscillating)).toEqual([]);
    // Sustained just above, then oscillating: one alarm, held through the oscillation by hysteresis.
    const e2 = engine();
    e2.setLimits('B1', 'HR', { low: 50, high: 100 }, 'nurse', 0);
    const events = run(e2, [...Array.from({ length: 8 }, () => ({ HR: 101 })), ...oscillating]);
    expect(events).toEqual(['5s start HR_HIGH medium active none']);
  });

  it('a transient spike shorter than the delay does not alarm', () => {
    const e = engine();
    expect(run(e, [{ HR: 80 }, { HR: 130 }, { HR: 131 }, { HR: 80 }, { HR: 80 }])).toEqual([]);
  });

  it('sustained desaturation alarms after the SpO2 delay, then a severe value makes it high', () => {
    const e = engine();
    const values = [...Array.from({ length: 20 }, () => ({ SPO2: 88 })), { SPO2: 84 }];
    expect(run(e, values)).toEqual(['15s start SPO2_LOW medium active none', '20s update SPO2_LOW high active none']);
  });

  it('a sustained desaturation with sparse in-range readings alarms within its delay', () => {
    // SpO2 87 % at 1 Hz with one reading of 90 every 7th (and every 14th) sample.
    for (const every of [7, 14]) {
      const e = engine();
      const values = Array.from({ length: 70 }, (_, i) => ({ SPO2: i % every === every - 1 ? 90 : 87 }));
      expect(run(e, values), `one in-range reading every ${every}th sample`).toEqual(['15s start SPO2_LOW medium active none']);
    }
    // HR 130 with one 119 every 5th sample.
    const e = engine();
    const values = Array.from({ length: 70 }, (_, i) => ({ HR: i % 5 === 4 ? 119 : 130 }));
    expect(run(e, values)).toEqual(['5s start HR_HIGH medium active none']);
  });

  it('an isolated one-sample artefact does not alarm, nor do a few scattered ones', () => {
    const e = engine();
    const values = Array.from({ length: 120 }, (_, i) => (i === 30 ? { SPO2: 86, HR: 135 } : i % 17 === 0 ? { SPO2: 88, HR: 125 } : { SPO2: 97, HR: 80 }));
    expect(run(e, values)).toEqual([]);
  });

  it('a slow sender counts by time, not by samples: SpO2 low every 5 s alarms after the delay', () => {
    const e = engine();
    const out: string[] = [];
    for (let t = 0; t <= 30_000; t += 5_000) out.push(...brief(e.sample(bed({ SPO2: 87 }), t)).map((l) => `${t / 1000}s ${l}`));
    expect(out).toEqual(['15s start SPO2_LOW medium active none']);
  });

  it('an alarm with in-range readings scattered through it, and oscillation at the limit, gives one alarm, ended once', () => {
    const e = engine();
    const values = [
      ...Array.from({ length: 20 }, () => ({ SPO2: 87 })),
      // Back and forth across the limit and the hysteresis band: no end, no new start.
      ...Array.from({ length: 60 }, (_, i) => ({ SPO2: i % 2 === 0 ? 89 : 93 })),
      ...Array.from({ length: 30 }, () => ({ SPO2: 97 })),
    ];
    const events = run(e, values);
    expect(events.map((l) => l.replace(/^\d+s /, ''))).toEqual(['start SPO2_LOW medium active none', 'end SPO2_LOW medium inactive none']);
    // It ends once the value has been back long enough that under a third of the window is beyond.
    // The last reading beyond the limit was at 78 s: from 86 s under a third of the 15 s window is.
    expect(events[1]).toMatch(/^86s end/);
  });

  it('a latched alarm keeps its worst value and when it was seen, not the recovered value', () => {
    const e = engine();
    expect(brief(e.sample(bed({ SPO2: 84 }), 0))).toEqual(['start SPO2_LOW high active none']);
    e.sample(bed({ SPO2: 79 }), 1000);
    e.sample(bed({ SPO2: 82 }), 2000);
    const latched = e.sample(bed({ SPO2: 97 }), 3000);
    expect(brief(latched)).toEqual(['update SPO2_LOW high latched none']);
    expect(latched[0]!.alarm).toMatchObject({ worstValue: 79, worstAt: 1000, startedAt: 0 });
    // The worst value survives a restart.
    const restored = new AlarmEngine(DEFAULT_ALARM_CONFIG, () => 'x', JSON.parse(JSON.stringify(e.snapshot())));
    expect(restored.present()[0]).toMatchObject({ state: 'latched', worstValue: 79, worstAt: 1000 });
  });

  it('low priority escalates to medium when it persists', () => {
    const e = engine();
    const events = run(e, Array.from({ length: 62 }, () => ({ TEMP: 38.9 })));
    expect(events).toEqual(['0s start TEMP_HIGH low active none', '60s update TEMP_HIGH medium active none']);
  });

  it('a high alarm latches after the condition ends until acknowledged; acknowledging records who', () => {
    const e = engine();
    const start = e.sample(bed({ HR: 160 }), 0);
    expect(brief(start)).toEqual(['start HR_HIGH high active none']);
    expect(brief(e.sample(bed({ HR: 90 }), 1000))).toEqual(['update HR_HIGH high latched none']);
    expect(e.present().map((a) => a.state)).toEqual(['latched']);
    const acked = e.acknowledge(start[0]!.alarm.id, 'nurse:ann', 2000);
    expect(brief(acked)).toEqual(['end HR_HIGH high inactive acknowledged']);
    expect(acked[0]!.actor).toBe('nurse:ann');
    expect(e.present()).toEqual([]);
  });

  it('acknowledged but still present: re-notified after the interval', () => {
    const e = engine();
    const [start] = e.sample(bed({ NIBP_SYS: 170 }), 0);
    e.acknowledge(start!.alarm.id, 'nurse:ann', 1000);
    expect(e.audio(1000).sounding).toBeNull();
    // The monitor keeps sending (still 170), so only the re-notification is due.
    e.sample(bed({ NIBP_SYS: 170 }), 119_000);
    expect(brief(e.tick(1000 + 119_000))).toEqual([]);
    expect(brief(e.tick(1000 + 120_000))).toEqual(['update NIBP_SYS_HIGH medium active none']);
    expect(e.audio(121_000).sounding).toBe('medium');
  });

  it('audio pause silences present alarms for 2 min, but a new higher-priority alarm still sounds', () => {
    const e = engine();
    e.sample(bed({ NIBP_SYS: 170 }), 0);
    expect(e.audio(0).sounding).toBe('medium');
    expect(brief(e.pauseAudio('nurse:ann', 1000))).toEqual(['update NIBP_SYS_HIGH medium active audio_paused']);
    expect(e.audio(2000)).toEqual({ sounding: null, pausedUntil: 121_000 });
    // Another medium alarm during the pause stays silent; a high one sounds.
    expect(brief(e.sample(bed({ RR: 32 }), 3000))).toEqual([]);
    expect(brief(e.sample(bed({ TEMP: 38.8 }), 4000))).toEqual(['start TEMP_HIGH low active audio_paused']);
    expect(brief(e.sample(bed({ SPO2: 80 }), 5000))).toEqual(['start SPO2_LOW high active none']);
    expect(e.audio(5000).sounding).toBe('high');
    e.sample(bed({ NIBP_SYS: 170 }), 120_000);
    // Pause over: both sound again; the low one, present for two minutes, has also escalated.
    expect(brief(e.tick(121_000))).toEqual(['update NIBP_SYS_HIGH medium active none', 'update TEMP_HIGH low active none', 'update TEMP_HIGH medium active none']);
  });

  it('device unplugged: technical alarm while offline, cleared by data, never latched', () => {
    const e = engine();
    e.sample(bed({ HR: 80 }), 0);
    expect(brief(e.tick(9_000))).toEqual([]);
    expect(brief(e.tick(10_000))).toEqual(['start DEVICE_OFFLINE medium active none']);
    expect(brief(e.tick(20_000))).toEqual([]);
    expect(brief(e.sample(bed({ HR: 80 }), 21_000))).toEqual(['end DEVICE_OFFLINE medium inactive none']);
    expect(brief(e.technical('ox-1', 'B1', 'sensor_off', true, 22_000))).toEqual(['start SENSOR_OFF medium active none']);
    expect(brief(e.technical('ox-1', 'B1', 'sensor_off', true, 23_000))).toEqual([]);
    expect(brief(e.technical('ox-1', 'B1', 'sensor_off', false, 24_000))).toEqual(['end SENSOR_OFF medium inactive none']);
    expect(brief(e.technical('gw', 'B1', 'invalid_value', true, 25_000, 'SPO2'))).toEqual(['start INVALID_VALUE_SPO2 low active none']);
    expect(brief(e.tick(85_000))).toContain('end INVALID_VALUE_SPO2 low inactive none');
  });

  it('an HL7 device reporting every 60 s is not offline between messages; silent for three intervals it is', () => {
    const e = engine();
    const hl7 = (t: number) => e.sample({ ...bed({ NIBP_SYS: 120 }), deviceId: 'pcd-1', transport: 'hl7' }, t);
    const out: string[] = [];
    for (let t = 0; t <= 600_000; t += 1000) {
      if (t % 60_000 === 0) hl7(t);
      out.push(...brief(e.tick(t)).map((l) => `${t / 1000}s ${l}`));
    }
    expect(out).toEqual([]);
    expect(e.offlineAfterMs('pcd-1')).toBe(180_000);
    for (let t = 601_000; t <= 800_000; t += 1000) out.push(...brief(e.tick(t)).map((l) => `${t / 1000}s ${l}`));
    expect(out).toEqual(['780s start DEVICE_OFFLINE medium active none']);
  });

  it('offline timeouts: a device that reports every 15 min gets three intervals; a configured timeout wins; WebSocket stays at 10 s', () => {
    const e = engine();
    for (let i = 0; i <= 5; i++) e.sample({ ...bed({ NIBP_SYS: 120 }), deviceId: 'nibp-cycle', transport: 'hl7' }, i * 15 * 60_000);
    expect(e.offlineAfterMs('nibp-cycle')).toBe(45 * 60_000);
    e.sample({ ...bed({ HR: 80 }), deviceId: 'configured', transport: 'hl7', offlineAfterMs: 30_000 }, 0);
    expect(e.offlineAfterMs('configured')).toBe(30_000);
    for (let t = 0; t <= 5000; t += 1000) e.sample({ ...bed({ HR: 80 }), deviceId: 'ws', transport: 'websocket' }, t);
    expect(e.offlineAfterMs('ws')).toBe(10_000);
  });

  it('a gateway restart keeps active alarms, and their end still arrives', () => {
    let n = 0;
    const e = new AlarmEngine(DEFAULT_ALARM_CONFIG, () => `a${++n}`);
    const [start] = e.sample(bed({ NIBP_SYS: 170 }), 0);
    const restored = new AlarmEngine(DEFAULT_ALARM_CONFIG, () => `b${++n}`, JSON.parse(JSON.stringify(e.snapshot())));
    expect(restored.present().map((a) => a.id)).toEqual([start!.alarm.id]);
    const end = restored.sample(bed({ NIBP_SYS: 120 }), 60_000);
    expect(brief(end)).toEqual(['end NIBP_SYS_HIGH medium inactive none']);
    expect(end[0]!.alarm.id).toBe(start!.alarm.id);
  });

  it('limits changed mid-alarm: the alarm ends when the new limit makes the value acceptable', () => {
    const e = engine();
    e.sample(bed({ NIBP_SYS: 170 }), 0);
    expect(brief(e.setLimits('B1', 'NIBP_SYS', { high: 175 }, 'nurse:ann', 1000))).toEqual(['end NIBP_SYS_HIGH medium inactive none']);
    expect(brief(e.sample(bed({ NIBP_SYS: 172 }), 2000))).toEqual([]);
    expect(brief(e.sample(bed({ NIBP_SYS: 180 }), 3000))).toEqual(['start NIBP_SYS_HIGH medium active none']);
  });

  it('station conditions: storage failing is high, and clears when commits succeed again', () => {
    const e = engine();
    expect(brief(e.station('STORAGE_FAILING', true, 0))).toEqual(['start STORAGE_FAILING high active none']);
    expect(brief(e.station('STORAGE_FAILING', true, 1))).toEqual([]);
    expect(brief(e.station('STORAGE_FAILING', false, 2))).toEqual(['end STORAGE_FAILING high inactive none']);
    expect(brief(e.station('SYNC_FAILING', true, 3))).toEqual(['start SYNC_FAILING low active none']);
  });

  it('a pulse rate does not double an ECG heart-rate alarm', () => {
    const e = engine();
    expect(brief(e.sample(bed({ HR: 160, PR: 160 }), 0))).toEqual(['start HR_HIGH high active none']);
  });
});
