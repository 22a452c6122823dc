import { describe, expect, it } from 'vitest';
import { dateRange, dateValue, referenceId, tokenValues } from './search-params.js';

const ALL = { from: 0, to: 8.64e15 };

describe('FHIR search parameter values', () => {
  it('reads a date as the range of its precision, and ANDs prefixed conditions', () => {
    expect(dateValue('2026-12-03', 'date')).toMatchObject({ prefix: 'eq', start: Date.UTC(2026, 11, 3), end: Date.UTC(2026, 11, 4), precision: 'day' });
    expect(dateValue('2026-02', 'date')).toMatchObject({ start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1) });
    expect(dateValue('ge2026-12-03T10:00:00+01:00', 'date')).toMatchObject({ prefix: 'ge', start: Date.UTC(2026, 11, 3, 9), end: Date.UTC(2026, 11, 3, 9, 0, 1) });
    expect(dateRange(['ge2026-12-03', 'lt2026-12-05'], 'date', ALL)).toEqual({ from: Date.UTC(2026, 11, 3), to: Date.UTC(2026, 11, 5) });
    expect(dateRange(['gt2026-12-03', 'le2026-12-05'], 'date', ALL)).toEqual({ from: Date.UTC(2026, 11, 4), to: Date.UTC(2026, 11, 6) });
    expect(dateRange(['2026-12-03'], 'date', ALL)).toEqual({ from: Date.UTC(2026, 11, 3), to: Date.UTC(2026, 11, 4) });
  });

  it('refuses what it does not support rather than ignoring it', () => {
    expect(() => dateValue('yesterday', 'date')).toThrow(/not a FHIR date/);
    expect(() => dateValue('2026-02-30', 'date')).toThrow(/not a calendar date/);
    expect(() => dateValue('sa2026-02-01', 'date')).toThrow(/not a FHIR date/);
    expect(() => dateValue('2026-12-03T10:00', 'date')).toThrow(/not a FHIR date/); // a time needs its zone
    expect(() => dateRange(['ge2026-01-01,2026-02-01'], 'date', ALL)).toThrow(/list of dates/);
    expect(() => referenceId('Practitioner/3', 'Patient', 'patient')).toThrow(/reference to Patient/);
    expect(() => referenceId('Patient/0', 'Patient', 'patient')).toThrow();
    expect(() => tokenValues('http://loinc.org|', 'code')).toThrow(/empty code/);
  });

  it('reads tokens and references', () => {
    expect(tokenValues('http://loinc.org|8867-4,59408-5', 'code')).toEqual([{ system: 'http://loinc.org', code: '8867-4' }, { system: null, code: '59408-5' }]);
    expect(referenceId('Patient/12', 'Patient', 'patient')).toBe(12);
    expect(referenceId('12', 'Patient', 'patient')).toBe(12);
    expect(referenceId('https://cloud.example/fhir/R4/Patient/12', 'Patient', 'patient')).toBe(12);
  });
});
