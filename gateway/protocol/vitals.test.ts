import { describe, expect, it } from 'vitest';
import { VITALS, VITAL_CODES, checkVitalValue, toCanonicalUnit, vitalById } from './vitals.js';

describe('canonical vitals', () => {
  it('has a unique storage id, an MDC code and a LOINC code for every vital', () => {
    const ids = VITAL_CODES.map((c) => VITALS[c].id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const code of VITAL_CODES) {
      expect(vitalById(VITALS[code].id)?.code).toBe(code);
      expect(VITALS[code].mdc.refId).toMatch(/^MDC_/);
      expect(VITALS[code].loinc).toMatch(/^\d+-\d$/);
    }
  });

  it('converts units it knows and refuses the wrong dimension', () => {
    expect(toCanonicalUnit('TEMP', 98.6, '[degF]')).toEqual({ ok: true, value: 37 });
    expect(toCanonicalUnit('ETCO2', 5, 'kPa')).toEqual({ ok: true, value: 37.5 });
    expect(toCanonicalUnit('HR', 72, 'MDC_DIM_BEAT_PER_MIN')).toEqual({ ok: true, value: 72 });
    expect(toCanonicalUnit('HR', 72, '%')).toMatchObject({ ok: false, code: 'unit_mismatch' });
    expect(toCanonicalUnit('SPO2', 97, 'furlongs')).toMatchObject({ ok: false, code: 'unit_mismatch' });
  });

  it('rejects impossible values rather than storing them as truth', () => {
    expect(checkVitalValue('SPO2', 100)).toEqual({ ok: true, value: 100 });
    expect(checkVitalValue('SPO2', 100.5)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(checkVitalValue('HR', -1)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(checkVitalValue('HR', Number.POSITIVE_INFINITY)).toMatchObject({ ok: false, code: 'not_a_number' });
    expect(checkVitalValue('TEMP', 20)).toMatchObject({ ok: false, code: 'out_of_range' });
  });
});
