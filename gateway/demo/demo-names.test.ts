import { describe, expect, it } from 'vitest';
import { demoPatientName } from './demo-names.js';

describe('demo patient names', () => {
  it('never repeat on a ward, however many beds it has', () => {
    const names = Array.from({ length: 5000 }, (_, i) => demoPatientName(i + 1));
    expect(new Set(names).size).toBe(names.length);
  });

  it('keep the first beds as they were', () => {
    expect(demoPatientName(1)).toBe('Ada Lovelace');
    expect(demoPatientName(3)).toBe('Grace Hopper');
    expect(demoPatientName(17)).not.toBe(demoPatientName(1));
  });
});
