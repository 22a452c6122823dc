import { WAVE_CODES, type WaveFrame } from '../protocol/wave-frames.js';
import type { VitalValues } from '../protocol/vitals.js';
import { DEMO_WAVE_RATES, DEMO_WAVE_SCALES, SyntheticWaves } from './synthetic-waves.js';

/**
 * One demo monitor's waves: each call returns a frame per wave for the next second, shaped by the
 * vitals the simulated patient shows now (HR drives ECG and pleth, RR the resp wave), so the
 * deteriorating bed's tachycardia and tachypnoea are visible in its strips.
 */
export class DemoWaveSource {
  private readonly waves: SyntheticWaves;
  private cursor: number;

  constructor(
    seed: number,
    private readonly origin: number,
    private readonly frameMs = 1000,
  ) {
    this.waves = new SyntheticWaves(seed);
    this.cursor = origin;
  }

  /** Frames covering [cursor, cursor + frameMs) for every wave; the cursor then moves on. */
  next(vitals: VitalValues): Array<Omit<WaveFrame, 'seq'>> {
    if (vitals.HR !== undefined || vitals.RR !== undefined) this.waves.follow(vitals.HR ?? 70, vitals.RR ?? 15, vitals.SPO2 ?? 97);
    const startTs = this.cursor;
    const t0 = (startTs - this.origin) / 1000;
    const frames = WAVE_CODES.map((wave) => {
      const rate = DEMO_WAVE_RATES[wave];
      const samples = new Int16Array(Math.round((rate * this.frameMs) / 1000));
      this.waves.generate(wave, t0, rate, samples, DEMO_WAVE_SCALES[wave]);
      return { startTs, wave, sampleRate: rate, scale: DEMO_WAVE_SCALES[wave], offset: 0, samples };
    });
    this.cursor += this.frameMs;
    return frames;
  }
}
