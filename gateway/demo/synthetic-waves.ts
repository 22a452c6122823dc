import { NO_SAMPLE, type WaveCode } from '../protocol/wave-frames.js';
import { seededRandom } from './simulated-patient.js';

/** Rates the demo monitors use, like common bedside monitors: ECG 250 Hz, pleth and resp 125 Hz. */
export const DEMO_WAVE_RATES: Readonly<Record<WaveCode, number>> = { ECG_II: 250, PLETH: 125, RESP: 125 };
/** Physical units per raw count: ECG 5 µV, pleth 1/1000 of full scale, impedance 1 mΩ. */
export const DEMO_WAVE_SCALES: Readonly<Record<WaveCode, number>> = { ECG_II: 0.005, PLETH: 0.001, RESP: 0.001 };

/** One bump of the beat: amplitude (mV), centre and width (s), after McSharry's ECG model. */
interface Bump {
  readonly amplitude: number;
  readonly centre: number;
  readonly width: number;
}

const gauss = (t: number, b: Bump) => b.amplitude * Math.exp(-((t - b.centre) ** 2) / (2 * b.width * b.width));

/**
 * P-QRS-T around an R peak at t = 0, for a beat lasting `rr` seconds. PR and QRS stay fixed; the
 * T wave moves with Bazett's QT (QT ∝ √RR), so at 150/min the T wave sits near the next P.
 */
function beat(t: number, rr: number): number {
  const qtScale = Math.sqrt(rr);
  return (
    gauss(t, { amplitude: 0.12, centre: -0.16, width: 0.025 }) +
    gauss(t, { amplitude: -0.12, centre: -0.03, width: 0.008 }) +
    gauss(t, { amplitude: 1.1, centre: 0, width: 0.011 }) +
    gauss(t, { amplitude: -0.25, centre: 0.03, width: 0.01 }) +
    gauss(t, { amplitude: 0.3, centre: 0.28 * qtScale, width: 0.055 * qtScale })
  );
}

/** Pulse wave, arriving ~0.2 s after the R peak: systolic upstroke, dicrotic notch, diastolic run-off (0..1). */
function pulse(t: number, rr: number): number {
  if (t < 0) return 0;
  const s = Math.min(1, 0.8 / rr);
  return gauss(t, { amplitude: 1, centre: 0.13 / s, width: 0.07 }) + gauss(t, { amplitude: 0.45, centre: 0.36 / s, width: 0.09 });
}

/**
 * The waves of one simulated patient, sample by sample, in time. Heart beats follow the heart
 * rate it is given (with a little beat-to-beat variability), breaths the respiratory rate, so a
 * deteriorating bed's tachycardia shows in its ECG and pleth and its tachypnoea in the resp wave.
 * Deterministic for a seed.
 */
export class SyntheticWaves {
  private readonly random: () => number;
  /** Times (s, on this generator's clock) of R peaks, scheduled a little ahead; ECG and pleth share them. */
  private readonly beats: number[] = [0.3];
  private breathPhase = 0;
  private lastRespT = 0;
  private wander: number;
  private hr = 70;
  private rr = 15;
  private spo2 = 97;

  constructor(seed: number) {
    this.random = seededRandom(seed);
    this.wander = this.random() * Math.PI * 2;
  }

  /** Sets what the next samples follow (from the simulated numerics). */
  follow(hr: number, rr: number, spo2: number): void {
    this.hr = Math.min(Math.max(hr, 20), 250);
    this.rr = Math.min(Math.max(rr, 4), 60);
    this.spo2 = spo2;
  }

  /** Fills `out` with raw samples of `wave` from `t0` seconds at `rate` Hz; call in time order per wave. */
  generate(wave: WaveCode, t0: number, rate: number, out: Int16Array, scale: number): void {
    for (let i = 0; i < out.length; i++) {
      const t = t0 + i / rate;
      let value: number;
      if (wave === 'ECG_II') value = this.ecgAt(t);
      else if (wave === 'PLETH') value = this.plethAt(t);
      else value = this.respAt(t);
      out[i] = Number.isFinite(value) ? Math.max(NO_SAMPLE + 1, Math.min(32767, Math.round(value / scale))) : NO_SAMPLE;
    }
  }

  /** The R peaks before and after `t`, scheduling beats at the current rate as time goes on. */
  private beatsAround(t: number): { last: number; next: number } {
    const beats = this.beats;
    while (beats[beats.length - 1]! <= t) {
      const interval = (60 / this.hr) * (1 + (this.random() - 0.5) * 0.04);
      beats.push(beats[beats.length - 1]! + interval);
    }
    // Older beats are no longer needed by either wave (each is generated about in step).
    while (beats.length > 2 && beats[1]! < t - 5) beats.shift();
    let i = beats.length - 1;
    while (i > 0 && beats[i]! > t) i--;
    const last = beats[i]! <= t ? beats[i]! : beats[i]! - 60 / this.hr;
    return { last, next: beats[i + 1] ?? last + 60 / this.hr };
  }

  private ecgAt(t: number): number {
    const { last, next } = this.beatsAround(t);
    const rr = next - last;
    const baseline = 0.04 * Math.sin(2 * Math.PI * 0.2 * t + this.wander);
    const noise = (this.random() - 0.5) * 0.012;
    return beat(t - last, rr) + beat(t - next, rr) + baseline + noise;
  }

  private plethAt(t: number): number {
    const transit = 0.2;
    const { last, next } = this.beatsAround(t - transit);
    const rr = next - last;
    // The pulse of the previous beat runs off while the current one rises.
    const amplitude = 0.55 + (this.spo2 - 85) * 0.01;
    return 0.15 + amplitude * (pulse(t - transit - last, rr) + pulse(t - transit - last + rr, rr) * 0.6) * 0.7;
  }

  private respAt(t: number): number {
    const dt = Math.max(0, t - this.lastRespT);
    this.lastRespT = t;
    this.breathPhase = (this.breathPhase + (dt * this.rr) / 60) % 1;
    // Inspiration is shorter than expiration (about 2:3).
    const p = this.breathPhase;
    const shape = p < 0.4 ? 0.5 - 0.5 * Math.cos((Math.PI * p) / 0.4) : 0.5 + 0.5 * Math.cos((Math.PI * (p - 0.4)) / 0.6);
    return 0.8 * shape + 0.02 * Math.sin(2 * Math.PI * (this.hr / 60) * t);
  }
}
