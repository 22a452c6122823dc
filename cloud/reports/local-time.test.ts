import { describe, expect, it } from 'vitest';
import { clock, duration, interval, isTimeZone, timeTicks, utcOffset, zoneLabel } from './local-time.js';

describe('local time for printed reports', () => {
  it('prints a 24-hour clock in the named zone, with its offset', () => {
    const t = Date.parse('2026-03-04T13:05:00Z');
    expect(clock(t, 'Europe/Berlin')).toBe('14:05');
    expect(clock(t, 'America/New_York')).toBe('08:05');
    expect(utcOffset(t, 'Asia/Kolkata')).toBe('UTC+05:30');
    expect(utcOffset(t, 'America/New_York')).toBe('UTC−05:00');
    expect(clock(Date.parse('2026-03-04T23:00:00Z'), 'Europe/Berlin')).toBe('00:00');
  });

  it('names both offsets when a period crosses a change of clock', () => {
    expect(zoneLabel(Date.parse('2026-03-28T23:00:00Z'), Date.parse('2026-03-29T22:00:00Z'), 'Europe/Berlin')).toBe('Europe/Berlin, UTC+01:00 → UTC+02:00');
  });

  it('knows a zone from a typo', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Europe/Berlim')).toBe(false);
  });

  it('puts ticks on whole local hours, and on local midnights for a week', () => {
    const from = Date.parse('2026-03-04T07:00:00Z');
    const ticks = timeTicks(from, from + 8 * 3_600_000, 'Europe/Berlin');
    expect(ticks.map((t) => t.label)).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
    const week = timeTicks(Date.parse('2026-03-01T23:00:00Z'), Date.parse('2026-03-08T23:00:00Z'), 'Europe/Berlin');
    expect(week[0]).toMatchObject({ label: 'Mon 02.03.', major: true });
    expect(week.every((t) => t.major)).toBe(true);
    expect(week).toHaveLength(8);
  });

  it('keeps ticks on local hours across a change of clock and in half-hour zones', () => {
    const spring = timeTicks(Date.parse('2026-03-28T23:00:00Z'), Date.parse('2026-03-29T22:00:00Z'), 'Europe/Berlin');
    expect(spring.map((t) => t.label)).toEqual(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00']);
    const india = timeTicks(Date.parse('2026-03-04T00:00:00Z'), Date.parse('2026-03-04T06:00:00Z'), 'Asia/Kolkata');
    expect(india[0]).toMatchObject({ t: Date.parse('2026-03-04T00:30:00Z'), label: '06:00' });
  });

  it('prints durations in hours and minutes', () => {
    expect(duration(35 * 60_000)).toBe('35 min');
    expect(duration(125 * 60_000)).toBe('2 h 05 min');
    expect(duration(6 * 3_600_000)).toBe('6 h 00 min');
    expect(interval(6 * 3_600_000)).toBe('6 h');
    expect(interval(5 * 60_000)).toBe('5 min');
  });
});
