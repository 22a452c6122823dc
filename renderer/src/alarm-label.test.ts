import { describe, expect, it } from 'vitest';
import { alarmLabel } from './AlarmBar.js';

describe('alarm labels', () => {
  it('says what a nurse would say', () => {
    expect(alarmLabel('SPO2_LOW')).toBe('SpO₂ low');
    expect(alarmLabel('NIBP_SYS_HIGH')).toBe('NIBP systolic high');
    expect(alarmLabel('DEVICE_OFFLINE')).toBe('Device offline');
    expect(alarmLabel('INVALID_VALUE_SPO2')).toBe('Invalid value SpO₂');
  });
});
