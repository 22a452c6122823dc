import { describe, expect, it } from 'vitest';
import { clockTime, dateTime, duration } from './time-format.js';

describe('time format', () => {
  const morning = new Date(2026, 11, 3, 5, 26, 7).getTime();
  const evening = new Date(2026, 11, 3, 17, 4, 0).getTime();
  it('uses a 24-hour clock even in a 12-hour locale', () => {
    expect(clockTime(morning, 'en-US')).toBe('05:26:07');
    expect(clockTime(evening, 'en-US', false)).toBe('17:04');
    expect(dateTime(evening, 'en-US')).toMatch(/17:04/);
    expect(dateTime(evening, 'en-US')).not.toMatch(/PM|pm|12\/3\/26/);
    expect(clockTime(evening, 'de-DE')).toBe('17:04:00');
  });
  it('writes durations as m:ss or h:mm:ss', () => {
    expect(duration(75_000)).toBe('1:15');
    expect(duration(2 * 3600_000 + 3 * 60_000)).toBe('2:03:00');
    expect(duration(-5)).toBe('0:00');
  });
});
