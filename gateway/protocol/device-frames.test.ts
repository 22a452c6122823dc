import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ErrorFrame, MAX_ERROR_MESSAGE_CHARS, ObsFrame, parseDeviceFrame, parseTimestamp } from './device-frames.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('parseDeviceFrame', () => {
  it('accepts a frame with epoch ms and canonical vitals', () => {
    const r = parseDeviceFrame(JSON.stringify({ type: 'obs', seq: 7, ts: NOW, vitals: { HR: 72, SPO2: 97 } }), NOW);
    expect(r).toEqual({ ok: true, seq: 7, ts: NOW, vitals: { HR: 72, SPO2: 97 }, rejected: [] });
  });

  it('accepts ISO-8601 timestamps only with an explicit offset', () => {
    expect(parseTimestamp('2026-11-24T13:00:00+01:00')).toBe(NOW);
    expect(parseTimestamp('2026-11-24T12:00:00Z')).toBe(NOW);
    expect(parseTimestamp('2026-11-24T12:00:00.250Z')).toBe(NOW + 250);
    expect(parseTimestamp('2026-11-24T12:00:00')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
    expect(parseTimestamp(Number.NaN)).toBeNull();
  });

  it('keeps valid values and names the rejected ones', () => {
    const r = parseDeviceFrame(JSON.stringify({ type: 'obs', seq: 1, ts: NOW, vitals: { HR: 72, SPO2: 101, XYZ: 3, RR: null } }), NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.vitals).toEqual({ HR: 72 });
    expect(r.rejected.map((x) => [x.vital, x.code])).toEqual([
      ['SPO2', 'out_of_range'],
      ['XYZ', 'unknown_vital'],
      ['RR', 'not_a_number'],
    ]);
  });

  it('rejects timestamps far in the future or too old (a device clock fault)', () => {
    expect(parseDeviceFrame(JSON.stringify({ type: 'obs', seq: 1, ts: NOW + 10 * 60_000, vitals: { HR: 70 } }), NOW)).toMatchObject({ ok: false, code: 'ts_out_of_bounds', seq: 1 });
    expect(parseDeviceFrame(JSON.stringify({ type: 'obs', seq: 1, ts: NOW - 40 * 86_400_000, vitals: { HR: 70 } }), NOW)).toMatchObject({ ok: false, code: 'ts_out_of_bounds' });
  });

  it('does not trip on prototype keys in vitals', () => {
    const r = parseDeviceFrame('{"type":"obs","seq":1,"ts":' + NOW + ',"vitals":{"__proto__":5,"constructor":1,"HR":60}}', NOW);
    expect(r).toMatchObject({ ok: true, vitals: { HR: 60 } });
  });

  it('names the first three rejected values and counts the rest, so an error stays small', () => {
    const vitals = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`CODE_${i}`, 1]));
    const r = parseDeviceFrame(JSON.stringify({ type: 'obs', seq: 1, ts: NOW, vitals }), NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe('500 values rejected: unknown vital code "CODE_0"; unknown vital code "CODE_1"; unknown vital code "CODE_2"; and 497 more');
    const odd = parseDeviceFrame(JSON.stringify({ type: 'y'.repeat(10_000), seq: 1 }), NOW);
    expect(!odd.ok && odd.message.length).toBeLessThan(100);
  });
});

describe('device frame schemas', () => {
  it('agree with the parser: what the schema accepts parses, and every refusal fits an error frame', () => {
    const good = { type: 'obs', seq: 7, ts: NOW, vitals: { HR: 72 } };
    expect(Value.Check(ObsFrame, good)).toBe(true);
    expect(parseDeviceFrame(JSON.stringify(good), NOW).ok).toBe(true);
    const bad = ['nope', '[]', '{"type":"hello","seq":1}', '{"type":"obs","seq":-1}', '{"type":"obs","seq":1,"ts":"noon","vitals":{}}', `{"type":"obs","seq":1,"ts":${NOW},"vitals":{"HR":9999}}`];
    for (const text of bad) {
      const parsed = parseDeviceFrame(text, NOW);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      const frame = { type: 'error', seq: parsed.seq, code: parsed.code, message: parsed.message.slice(0, MAX_ERROR_MESSAGE_CHARS) };
      expect(Value.Errors(ErrorFrame, frame).First()).toBeUndefined();
    }
  });
});
