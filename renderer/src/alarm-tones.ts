import type { AlarmPriority } from '../../gateway/protocol/alarm-types.js';

/** What the speaker should play: an alarm priority, or the page's own "station lost" tone. */
export type ToneKind = AlarmPriority | 'connection_lost';

/**
 * Distinct tone patterns per priority, after IEC 60601-1-8: high = two bursts of five fast
 * pulses, medium = three slower pulses, low = two soft pulses. Losing the station has its own
 * falling two-note pattern, played by the page itself (the gateway cannot tell it). Web Audio, no
 * files.
 */
const PATTERNS: Readonly<Record<ToneKind, { freq: number[]; pulses: number[]; every: number; gain: number }>> = {
  high: { freq: [880], pulses: [0, 0.15, 0.3, 0.6, 0.75, 1.2, 1.35, 1.5, 1.8, 1.95], every: 5000, gain: 0.25 },
  medium: { freq: [660], pulses: [0, 0.25, 0.5], every: 8000, gain: 0.18 },
  low: { freq: [520], pulses: [0, 0.3], every: 16000, gain: 0.1 },
  connection_lost: { freq: [740, 440], pulses: [0, 0.4], every: 4000, gain: 0.22 },
};

/**
 * Plays the alarm tones and says whether the page can play sound at all: a browser's autoplay
 * policy keeps an AudioContext `suspended` until someone clicks the page, and a silent alarm
 * screen must say so.
 */
export class AlarmTones {
  private readonly context: AudioContext | null;
  private timer: number | null = null;
  private current: ToneKind | null = null;
  private readonly listeners = new Set<(running: boolean) => void>();

  constructor() {
    this.context = typeof AudioContext === 'function' ? new AudioContext() : null;
    this.context?.addEventListener('statechange', () => {
      for (const listener of this.listeners) listener(this.running);
    });
  }

  get running(): boolean {
    return this.context?.state === 'running';
  }

  onRunningChange(listener: (running: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called from a click: the user gesture that lets the page make sound. */
  enable(): void {
    void this.context?.resume();
  }

  /** Plays the pattern of `kind` on repeat; null stops. */
  set(kind: ToneKind | null): void {
    if (kind === this.current) return;
    this.current = kind;
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    if (!kind) return;
    const pattern = PATTERNS[kind];
    const play = () => this.burst(pattern.freq, pattern.pulses, pattern.gain);
    play();
    this.timer = window.setInterval(play, pattern.every);
  }

  private burst(freqs: number[], pulses: number[], gain: number): void {
    const ctx = this.context;
    if (!ctx) return;
    try {
      const start = ctx.currentTime + 0.02;
      pulses.forEach((at, i) => {
        const osc = ctx.createOscillator();
        const amp = ctx.createGain();
        osc.frequency.value = freqs[i % freqs.length]!;
        amp.gain.setValueAtTime(0, start + at);
        amp.gain.linearRampToValueAtTime(gain, start + at + 0.01);
        amp.gain.linearRampToValueAtTime(0, start + at + 0.12);
        osc.connect(amp).connect(ctx.destination);
        osc.start(start + at);
        osc.stop(start + at + 0.13);
      });
    } catch {
      // No audio device: the visual alarm still shows, and the sound banner says so.
    }
  }
}
