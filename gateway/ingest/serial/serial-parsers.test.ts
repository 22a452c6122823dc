import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';
import { parseMasimoLine } from './masimo-ascii.js';
import { parseNoninLine } from './nonin-ascii.js';

const GOOD = '02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800';

describe('Masimo ASCII 1', () => {
  it('reads SpO2 and pulse rate (as PR) with the device-local time', () => {
    const r = parseMasimoLine(GOOD, 60);
    expect(r).toEqual({ ok: true, ts: Date.UTC(2016, 1, 22, 21, 47, 45), vitals: { SPO2: 98, PR: 97 }, conditions: [], extras: { serial: '0000056661', alarm: '0000', exc: '000800', perfusionIndex: 3.6 } });
  });

  it('treats dashes as no value and does not trust numbers while the sensor is off', () => {
    const dashes = parseMasimoLine(GOOD.replace('SPO2=098%', 'SPO2=---%').replace('BPM=097', 'BPM=---'), 0);
    expect(dashes).toMatchObject({ ok: true, vitals: {} });
    const off = parseMasimoLine(GOOD.replace('EXC=000800', 'EXC=000820'), 0);
    expect(off).toMatchObject({ ok: true, vitals: {}, conditions: [{ kind: 'sensor_off', detail: 'sensor_off_patient' }] });
    const lowPerf = parseMasimoLine(GOOD.replace('EXC=000800', 'EXC=000404'), 0);
    expect(lowPerf).toMatchObject({ ok: true, vitals: { SPO2: 98, PR: 97 } });
    expect(lowPerf.ok && lowPerf.conditions.map((c) => c.detail)).toEqual(['low_perfusion', 'low_signal_iq']);
    const unknown = parseMasimoLine(GOOD.replace('EXC=000800', 'EXC=010800'), 0);
    expect(unknown.ok && unknown.conditions).toEqual([{ kind: 'device_exception', detail: 'exc_0x10000' }]);
  });

  it('refuses garbage, truncated lines and impossible values', () => {
    expect(parseMasimoLine('\u0000\u00ff\u0013garbage', 0)).toMatchObject({ ok: false, code: 'not_this_format' });
    expect(parseMasimoLine('02/22/16 22:47:45 SN=0000056661 SPO2=098%', 0)).toMatchObject({ ok: false, code: 'not_this_format' });
    expect(parseMasimoLine(GOOD.replace('02/22/16', '13/40/16'), 0)).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(parseMasimoLine(GOOD.replace('SPO2=098%', 'SPO2=198%'), 0)).toMatchObject({ ok: false, code: 'out_of_range' });
  });
});

describe('Nonin ASCII', () => {
  it('reads values, dashes and stamps the arrival time', () => {
    expect(parseNoninLine('SPO2=097 HR=072', 5)).toEqual({ ok: true, ts: 5, vitals: { SPO2: 97, PR: 72 }, conditions: [], extras: {} });
    expect(parseNoninLine('SPO2=--- HR=---', 5)).toMatchObject({ ok: true, vitals: {}, conditions: [{ kind: 'sensor_off' }] });
    expect(parseNoninLine('SPO2=099 HR=---', 5)).toMatchObject({ ok: true, vitals: { SPO2: 99 }, conditions: [] });
    expect(parseNoninLine('HR=72', 5)).toMatchObject({ ok: false, code: 'not_this_format' });
    expect(parseNoninLine('SPO2=101 HR=072', 5)).toMatchObject({ ok: false, code: 'out_of_range' });
  });
});

describe('Nonin ASCII: the documented variants (Avant 4000/4100/9600, 2500, 8500, 8600V, 9847)', () => {
  it('fast mode: SPO2=XXX HR=YYY F (DIP switch 8 up)', () => {
    expect(parseNoninLine('SPO2=097 HR=072 F', 5)).toEqual({ ok: true, ts: 5, vitals: { SPO2: 97, PR: 72 }, conditions: [], extras: { fast: 1 } });
  });

  it('event marker: SPO2=XXX HR=YYY* (ON/STANDBY pressed), with or without a space', () => {
    expect(parseNoninLine('SPO2=097 HR=072*', 5)).toEqual({ ok: true, ts: 5, vitals: { SPO2: 97, PR: 72 }, conditions: [], extras: { event: 1 } });
    expect(parseNoninLine('SPO2=097 HR=072 *', 5)).toMatchObject({ ok: true, vitals: { SPO2: 97, PR: 72 }, extras: { event: 1 } });
    expect(parseNoninLine('SPO2=097 HR=072 F*', 5)).toMatchObject({ ok: true, extras: { fast: 1, event: 1 } });
  });

  it('the clock prefix HH:MM:SS and the breath status B (9847, 8600V); the station stamps arrival time', () => {
    expect(parseNoninLine('10:41:07 SPO2=095 HR=088 B', 5)).toEqual({ ok: true, ts: 5, vitals: { SPO2: 95, PR: 88 }, conditions: [], extras: { breath: 1 } });
    expect(parseNoninLine('10:41:07 SPO2=--- HR=---*', 5)).toMatchObject({ ok: true, vitals: {}, conditions: [{ kind: 'sensor_off' }], extras: { event: 1 } });
  });

  it('still refuses what is not one of them', () => {
    expect(parseNoninLine('SPO2=097 HR=072 Q', 5)).toMatchObject({ ok: false, code: 'not_this_format' });
    expect(parseNoninLine('25:99:99 SPO2=097 HR=072', 5)).toMatchObject({ ok: false, code: 'not_this_format' });
    expect(parseNoninLine('SPO2=097 HR=072 FF', 5)).toMatchObject({ ok: false, code: 'not_this_format' });
  });
});

describe('line splitter', () => {
  it('splits CR, LF and CRLF across chunks and bounds overlong lines', () => {
    const s = new LineSplitter(16);
    const events = [...s.push(Buffer.from('one\r\ntw')), ...s.push(Buffer.from('o\rthree\n')), ...s.push(Buffer.from('x'.repeat(40))), ...s.push(Buffer.from('yy\nfour\n'))];
    expect(events).toEqual([
      { type: 'line', line: 'one' },
      { type: 'line', line: 'two' },
      { type: 'line', line: 'three' },
      { type: 'overflow', bytes: 42 },
      { type: 'line', line: 'four' },
    ]);
  });
});
