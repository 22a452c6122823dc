import type { AlarmPriority } from '../../gateway/protocol/alarm-types.js';

/**
 * Distinct tone patterns per priority, after IEC 60601-1-8: high = two bursts of five fast
 * pulses, medium = three slower pulses, low = two soft pulses. Web Audio, no files.
 */
const PATTERNS: Readonly<Record<AlarmPriority, { freq: number; pulses: number[]; every: number; gain: number }>> = {
  high: { freq: 880, pulses: [0, 0.15, 0.3, 0.6, 0.75, 1.2, 1.35, 1.5, 1.8, 1.95], every: 5000, gain: 0.25 },
  medium: { freq: 660, pulses: [0, 0.25, 0.5], every: 8000, gain: 0.18 },
  low: { freq: 520, pulses: [0, 0.3], every: 16000, gain: 0.1 },
};

export class AlarmTones {
  private context: AudioContext | null = null;
  private timer: number | null = null;
  private current: AlarmPriority | null = null;

  /** Plays the pattern of `priority` on repeat; null stops. */
  set(priority: AlarmPriority | null): void {
    if (priority === this.current) return;
    this.current = priority;
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    if (!priority) return;
    const pattern = PATTERNS[priority];
    const play = () => this.burst(pattern.freq, pattern.pulses, pattern.gain);
    play();
    this.timer = window.setInterval(play, pattern.every);
  }

  private burst(freq: number, pulses: number[], gain: number): void {
    try {
      this.context ??= new AudioContext();
      const ctx = this.context;
      const start = ctx.currentTime + 0.02;
      for (const at of pulses) {
        const osc = ctx.createOscillator();
        const amp = ctx.createGain();
        osc.frequency.value = freq;
        amp.gain.setValueAtTime(0, start + at);
        amp.gain.linearRampToValueAtTime(gain, start + at + 0.01);
        amp.gain.linearRampToValueAtTime(0, start + at + 0.12);
        osc.connect(amp).connect(ctx.destination);
        osc.start(start + at);
        osc.stop(start + at + 0.13);
      }
    } catch {
      // No audio device (a headless test browser): the visual alarm still shows.
    }
  }
}
