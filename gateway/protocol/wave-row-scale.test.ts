import { describe, expect, it } from 'vitest';
import { NO_SAMPLE } from './wave-frames.js';
import { waveRowScale } from './wave-row-scale.js';

describe('waveRowScale', () => {
  it('draws ECG at its gain around the row middle, whatever the samples', () => {
    // 1 µV per raw unit; 10 units per mV: 1 mV is 10 units above the middle of a 100-unit row.
    const ecg = { scale: 0.001, offset: 0, samples: [0, 1000, -500] };
    const y = waveRowScale([ecg], 100, 10);
    expect(y(0, ecg)).toBe(50);
    expect(y(1000, ecg)).toBeCloseTo(40);
    expect(y(-500, ecg)).toBeCloseTo(55);
  });

  it('fits other waves to the middle 80 % of the row, lowest at 90 %, highest at 10 %', () => {
    const pleth = { scale: 0.5, offset: 10, samples: [0, 100, NO_SAMPLE, 50] };
    const y = waveRowScale([pleth], 200, null);
    expect(y(0, pleth)).toBeCloseTo(180);
    expect(y(100, pleth)).toBeCloseTo(20);
    expect(y(50, pleth)).toBeCloseTo(100);
  });

  it('takes the range over every stretch, each with its own scale, and never divides by a flat trace', () => {
    const a = { scale: 1, offset: 0, samples: [0, 10] };
    const b = { scale: 2, offset: 0, samples: [10] };
    const y = waveRowScale([a, b], 100, null);
    expect(y(10, b)).toBeCloseTo(10);
    expect(y(10, a)).toBeCloseTo(50);
    const flat = { scale: 1, offset: 0, samples: [7, 7] };
    expect(waveRowScale([flat], 100, null)(7, flat)).toBe(90);
  });
});
