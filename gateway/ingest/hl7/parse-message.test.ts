import { describe, expect, it } from 'vitest';
import { Hl7ParseError, parseHl7, parseHl7Timestamp } from './parse-message.js';

describe('parseHl7', () => {
  it('accepts CR, LF and CRLF segment terminators', () => {
    for (const sep of ['\r', '\n', '\r\n']) {
      const m = parseHl7(['MSH|^~\\&|A|F', 'PID|||123', 'OBX|1|NM|x'].join(sep) + sep);
      expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBX']);
      expect(m.segments[1]!.get(3)).toBe('123');
    }
  });

  it('numbers MSH fields as HL7 does and reads components and repetitions', () => {
    const m = parseHl7('MSH|^~\\&|APP^EUI^EUI-64|FAC\rPID|||A1^^^H^MR~B2^^^H^PI');
    const msh = m.segments[0]!;
    expect(msh.raw(1)).toBe('|');
    expect(msh.raw(2)).toBe('^~\\&');
    expect([msh.get(3, 1), msh.get(3, 2), msh.get(3, 3)]).toEqual(['APP', 'EUI', 'EUI-64']);
    expect(m.segments[1]!.get(3, 1, 1)).toBe('B2');
    expect(m.segments[1]!.get(3, 5, 0)).toBe('MR');
  });

  it('reads the encoding characters from MSH-1 and MSH-2', () => {
    const m = parseHl7('MSH#$*@!#APP$X#F\rOBX#1#NM#150456$SPO2#a@F@b');
    expect(m.delimiters).toEqual({ field: '#', component: '$', repetition: '*', escape: '@', subcomponent: '!' });
    expect(m.segments[0]!.get(3, 2)).toBe('X');
    expect(m.segments[1]!.get(3, 2)).toBe('SPO2');
    expect(m.segments[1]!.get(4)).toBe('a#b');
  });

  it('unescapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\', () => {
    const m = parseHl7('MSH|^~\\&|A\\F\\B|F\rNTE|1||a\\S\\b\\E\\c\\T\\d\\R\\e');
    expect(m.segments[0]!.get(3)).toBe('A|B');
    expect(m.segments[1]!.get(3)).toBe('a^b\\c&d~e');
  });

  it('refuses what is not HL7', () => {
    expect(() => parseHl7('hello')).toThrow(Hl7ParseError);
    expect(() => parseHl7('MSH|^~\\&|A\rnot a segment')).toThrow(/segment name/);
  });
});

describe('parseHl7Timestamp', () => {
  it('reads explicit offsets, fractions and reduced precision', () => {
    expect(parseHl7Timestamp('20261124101500-0700', 0)).toBe(Date.UTC(2026, 10, 24, 17, 15));
    expect(parseHl7Timestamp('20261124181527+0800', 0)).toBe(Date.UTC(2026, 10, 24, 10, 15, 27));
    expect(parseHl7Timestamp('20261124091500.250+0000', 0)).toBe(Date.UTC(2026, 10, 24, 9, 15, 0, 250));
    expect(parseHl7Timestamp('20261124091500000+0000', 0)).toBe(Date.UTC(2026, 10, 24, 9, 15));
    expect(parseHl7Timestamp('202611241015', 0)).toBe(Date.UTC(2026, 10, 24, 10, 15));
    expect(parseHl7Timestamp('20261124', 0)).toBe(Date.UTC(2026, 10, 24));
  });

  it('reads a timestamp without offset in the given default offset; an explicit one wins', () => {
    expect(parseHl7Timestamp('20261124101500', 60)).toBe(Date.UTC(2026, 10, 24, 9, 15));
    expect(parseHl7Timestamp('20261124101500', -300)).toBe(Date.UTC(2026, 10, 24, 15, 15));
    expect(parseHl7Timestamp('20261124101500', 0)).toBe(Date.UTC(2026, 10, 24, 10, 15));
    expect(parseHl7Timestamp('20261124101500+0000', 60)).toBe(Date.UTC(2026, 10, 24, 10, 15));
  });

  it('refuses impossible dates and text', () => {
    expect(parseHl7Timestamp('20261399', 0)).toBeNull();
    expect(parseHl7Timestamp('20261124256000', 0)).toBeNull();
    expect(parseHl7Timestamp('yesterday', 0)).toBeNull();
    expect(parseHl7Timestamp('', 0)).toBeNull();
  });
});
