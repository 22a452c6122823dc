import { describe, expect, it } from 'vitest';
import { decodeWaveSamples, encodeWaveSamples } from './wave-codec.js';
import { SyntheticWaves, DEMO_WAVE_SCALES } from '../demo/synthetic-waves.js';

describe('wave codec', () => {
  it('round-trips the extremes of int16, including jumps across the whole range', () => {
    const samples = Int16Array.from([0, 32767, -32768, 32767, -32768, -32768, 1, -1, 0, 12345, -23456]);
    expect(Array.from(decodeWaveSamples(encodeWaveSamples(samples), samples.length))).toEqual(Array.from(samples));
  });

  it('round-trips a synthetic ECG and stores it in under a byte per sample', () => {
    const waves = new SyntheticWaves(3);
    waves.follow(80, 16, 97);
    const samples = new Int16Array(250);
    waves.generate('ECG_II', 10, 250, samples, DEMO_WAVE_SCALES.ECG_II);
    const encoded = encodeWaveSamples(samples);
    expect(encoded.length).toBeLessThan(samples.length);
    expect(Array.from(decodeWaveSamples(encoded, samples.length))).toEqual(Array.from(samples));
  });

  it('refuses a block whose sample count disagrees', () => {
    const encoded = encodeWaveSamples(Int16Array.from([1, 2, 3]));
    expect(() => decodeWaveSamples(encoded, 4)).toThrow(/fewer/);
    expect(() => decodeWaveSamples(encoded, 2)).toThrow(/more/);
  });
});
