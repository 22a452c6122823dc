import { AlarmEngine } from './alarm-engine.js';
import { DEFAULT_ALARM_CONFIG } from './alarm-rules.js';

/** Engine evaluations per second (one evaluation = one vital of one sample), 500 beds, drifting vitals. */
export function benchEngine(samples = 1_000_000): { samplesPerSecond: number; vitalsPerSecond: number } {
  let n = 0;
  const engine = new AlarmEngine(DEFAULT_ALARM_CONFIG, () => `a${++n}`);
  const beds = Array.from({ length: 500 }, (_, i) => ({ bedId: `B${i}`, patientId: i, deviceId: `d${i}` }));
  const started = performance.now();
  for (let i = 0; i < samples; i++) {
    const b = beds[i % beds.length]!;
    const wobble = (i * 7919) % 40;
    engine.sample({ ...b, vitals: { HR: 70 + wobble, SPO2: 99 - (wobble % 12), RR: 14 + (wobble % 20), TEMP: 36.8, ETCO2: 38, PR: 70 } }, i);
    if (i % 5000 === 0) engine.tick(i);
  }
  const seconds = (performance.now() - started) / 1000;
  return { samplesPerSecond: samples / seconds, vitalsPerSecond: (samples * 6) / seconds };
}
