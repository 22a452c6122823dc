/**
 * Whether the station's event loop is keeping up with its devices. Every device frame, ack, alarm
 * and screen update runs on this one thread: when the devices together send more than it can
 * read, a frame waits behind everything the loop read before it, however urgent its vitals are.
 * The WebSocket channel listens to this and stops reading the devices that send the most, so a
 * monitor at an ordinary pace is read at once and its alarms judged at once.
 */
export interface LoadPressure {
  readonly overloaded: boolean;
  onPressure(listener: (overloaded: boolean) => void): () => void;
}

export interface EventLoopPressureOptions {
  /** How often the loop's lag is sampled. */
  readonly intervalMs?: number;
  /** A tick this late means the loop is overloaded. */
  readonly overloadedLagMs?: number;
  /** Overload ends after this many consecutive ticks no later than `calmLagMs`. */
  readonly calmLagMs?: number;
  readonly calmTicks?: number;
}

/**
 * Measures the event loop's lag with a timer: a tick due every `intervalMs` that fires much later
 * means the loop was busy that long. Hysteresis (one late tick to enter, several calm ones to
 * leave) keeps devices from being paused and resumed on every tick.
 */
export class EventLoopPressure implements LoadPressure {
  private readonly listeners = new Set<(overloaded: boolean) => void>();
  private timer: NodeJS.Timeout | null = null;
  private isOverloaded = false;
  private calm = 0;
  private readonly intervalMs: number;
  private readonly overloadedLagMs: number;
  private readonly calmLagMs: number;
  private readonly calmTicks: number;

  constructor(options: EventLoopPressureOptions = {}) {
    this.intervalMs = options.intervalMs ?? 10;
    this.overloadedLagMs = options.overloadedLagMs ?? 40;
    this.calmLagMs = options.calmLagMs ?? 10;
    this.calmTicks = options.calmTicks ?? 10;
  }

  get overloaded(): boolean {
    return this.isOverloaded;
  }

  onPressure(listener: (overloaded: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.timer) return;
    let due = performance.now() + this.intervalMs;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.sample(now - due);
      due = now + this.intervalMs;
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.isOverloaded) this.set(false);
  }

  private sample(lagMs: number): void {
    if (lagMs >= this.overloadedLagMs) {
      this.calm = 0;
      if (!this.isOverloaded) this.set(true);
      return;
    }
    if (!this.isOverloaded) return;
    this.calm = lagMs <= this.calmLagMs ? this.calm + 1 : 0;
    if (this.calm >= this.calmTicks) this.set(false);
  }

  private set(overloaded: boolean): void {
    this.isOverloaded = overloaded;
    this.calm = 0;
    for (const listener of this.listeners) listener(overloaded);
  }
}
