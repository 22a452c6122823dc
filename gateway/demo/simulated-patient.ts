import type { VitalValues } from '../protocol/vitals.js';

/** Deterministic pseudo-random numbers (mulberry32), so a demo bed behaves the same each run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Baseline {
  hr: number;
  spo2: number;
  rr: number;
  temp: number;
  sys: number;
  dia: number;
  etco2: number;
}

/**
 * Plausible adult vitals that drift slowly around a per-patient baseline (a mean-reverting
 * random walk), with NIBP measured every few minutes like a real cuff. A deteriorating patient
 * slides over `deteriorationMinutes` into hypoxaemia with tachycardia and tachypnoea, then
 * recovers (e.g. after the nurse intervenes), and repeats.
 */
export class SimulatedPatient {
  private readonly random: () => number;
  private readonly base: Baseline;
  private state: Baseline;
  private lastNibpAt = -Infinity;
  private readonly startedAt: number;

  constructor(
    seed: number,
    private readonly deteriorating = false,
    now = Date.now(),
    private readonly deteriorationMinutes = 6,
  ) {
    this.random = seededRandom(seed);
    const r = this.random;
    this.base = {
      hr: 62 + r() * 30,
      spo2: 95 + r() * 4,
      rr: 12 + r() * 6,
      temp: 36.4 + r() * 0.8,
      sys: 105 + r() * 35,
      dia: 62 + r() * 20,
      etco2: 34 + r() * 8,
    };
    this.state = { ...this.base };
    this.startedAt = now;
  }

  next(now: number): VitalValues {
    const target = this.target(now);
    const s = this.state;
    const walk = (value: number, goal: number, noise: number, pull = 0.1) => value + (goal - value) * pull + (this.random() - 0.5) * noise;
    s.hr = walk(s.hr, target.hr, 2.5);
    s.spo2 = Math.min(100, walk(s.spo2, target.spo2, 0.8, 0.15));
    s.rr = walk(s.rr, target.rr, 1.2);
    s.temp = walk(s.temp, target.temp, 0.03, 0.02);
    s.etco2 = walk(s.etco2, target.etco2, 1);
    const vitals: VitalValues = {
      HR: Math.round(s.hr),
      PR: Math.round(s.hr + (this.random() - 0.5) * 2),
      SPO2: Math.round(s.spo2),
      RR: Math.round(s.rr),
      TEMP: Math.round(s.temp * 10) / 10,
      ETCO2: Math.round(s.etco2),
    };
    if (now - this.lastNibpAt >= 5 * 60_000) {
      this.lastNibpAt = now;
      const sys = Math.round(walk(target.sys, target.sys, 8));
      const dia = Math.round(walk(target.dia, target.dia, 6));
      vitals.NIBP_SYS = sys;
      vitals.NIBP_DIA = dia;
      vitals.NIBP_MEAN = Math.round(dia + (sys - dia) / 3);
    }
    return vitals;
  }

  /** 0 = well, 1 = worst point of the deterioration cycle. */
  severity(now: number): number {
    if (!this.deteriorating) return 0;
    const cycle = this.deteriorationMinutes * 2 * 60_000;
    const phase = ((now - this.startedAt) % cycle) / cycle;
    return phase < 0.5 ? phase * 2 : (1 - phase) * 2;
  }

  private target(now: number): Baseline {
    const k = this.severity(now);
    const b = this.base;
    return {
      hr: b.hr + k * 55,
      spo2: b.spo2 - k * 13,
      rr: b.rr + k * 16,
      temp: b.temp + k * 1.2,
      sys: b.sys - k * 25,
      dia: b.dia - k * 12,
      etco2: b.etco2 - k * 6,
    };
  }
}
