import { describe, expect, it } from 'vitest';
import { clinicalLabel, clinicalValue, conditionLabel } from './clinical-labels.js';

describe('clinical labels', () => {
  it('names vitals with clinical labels and units, not UCUM codes', () => {
    expect(clinicalLabel('SPO2').label).toBe('SpO₂, %');
    expect(clinicalLabel('TEMP').label).toBe('Temperature, °C');
    expect(clinicalLabel('NIBP_SYS').label).toBe('NIBP systolic, mmHg');
    expect(clinicalLabel('ETCO2').label).toBe('EtCO₂, mmHg');
    expect(clinicalValue('TEMP', 37.25)).toBe('37.3');
    expect(clinicalValue('HR', 71.6)).toBe('72');
  });

  it('says alarm conditions in words', () => {
    expect(conditionLabel('SPO2_LOW')).toBe('SpO₂ low');
    expect(conditionLabel('NIBP_SYS_HIGH')).toBe('NIBP systolic high');
    expect(conditionLabel('SYNC_FAILING')).toBe('Sync failing');
    expect(conditionLabel('DEVICE_OFFLINE')).toBe('Device offline');
  });
});
