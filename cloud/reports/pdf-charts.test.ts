import { describe, expect, it } from 'vitest';
import { niceStep } from './pdf-charts.js';

describe('niceStep', () => {
  it('gives round steps that a reader can count in', () => {
    expect(niceStep(102, 5)).toBe(20); // heart rate 40–142
    expect(niceStep(4, 5)).toBe(1); // temperature 35–39
    expect(niceStep(15, 5)).toBe(5); // SpO₂ 85–100
    expect(niceStep(3, 3)).toBe(1); // alarms per hour: integers
  });
});
