/**
 * A circuit breaker (Nygard, "Release It!"): after `failureThreshold` consecutive failures it
 * opens and refuses calls at once, so a dead provider costs nothing per call; after `cooldownMs`
 * it lets one trial call through (half-open); that call's success closes it, its failure opens it
 * again for another cool-down. Pure state machine with an injectable clock.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerPolicy {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
}

export class CircuitOpenError extends Error {
  constructor(readonly retryAt: number) {
    super('circuit open: the provider failed repeatedly; not calling it until the cool-down ends');
  }
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: BreakerState = 'closed';
  private trialInFlight = false;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly now: () => number = Date.now,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.policy.cooldownMs) this.move('half_open');
    return this.current;
  }

  /** Runs `call` if the breaker allows it; throws CircuitOpenError otherwise. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half_open' && this.trialInFlight)) throw new CircuitOpenError(this.openedAt + this.policy.cooldownMs);
    if (state === 'half_open') this.trialInFlight = true;
    try {
      const result = await call();
      this.succeeded();
      return result;
    } catch (error) {
      this.failed();
      throw error;
    } finally {
      if (state === 'half_open') this.trialInFlight = false;
    }
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.move('closed');
  }

  private failed(): void {
    this.failures++;
    if (this.current === 'half_open' || (this.current === 'closed' && this.failures >= this.policy.failureThreshold)) {
      this.openedAt = this.now();
      this.move('open');
    }
  }

  private move(state: BreakerState): void {
    this.current = state;
    this.onChange(state);
  }
}
