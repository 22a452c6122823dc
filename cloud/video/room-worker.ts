import type { Sql } from '../db/sql.js';
import { backoffDelay, type BackoffPolicy } from '../resilience/backoff.js';
import { CircuitBreaker, CircuitOpenError, type BreakerPolicy, type BreakerState } from '../resilience/circuit-breaker.js';
import { PermanentError, retry, withTimeout } from '../resilience/retry.js';
import type { VideoProvider } from './video-provider.js';
import { VideoRooms } from './video-rooms.js';

export interface RoomWorkerOptions {
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly breaker: BreakerPolicy;
  /** Tries per claim (a quick second try rides over a blip), then the job's own backoff. */
  readonly triesPerClaim: number;
  readonly backoff: BackoffPolicy;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onBreakerChange?: (state: BreakerState) => void;
}

export interface RoomRunResult {
  readonly claimed: number;
  readonly ready: number;
  readonly failed: number;
  /** Not tried: the breaker was open. */
  readonly deferred: number;
}

/**
 * Makes video rooms ahead of their appointments (off the booking path): claims due rooms,
 * calls the provider with a timeout, a quick retry and a circuit breaker, and stores the join
 * details. When the provider is down, the breaker opens and due rooms wait for its cool-down
 * instead of each paying a timeout; the first call after it is the trial.
 */
export class RoomWorker {
  readonly breaker: CircuitBreaker;
  private readonly rooms: VideoRooms;
  private readonly now: () => number;

  constructor(
    sql: Sql,
    private readonly provider: VideoProvider,
    private readonly options: RoomWorkerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.rooms = new VideoRooms(sql);
    this.breaker = new CircuitBreaker(options.breaker, this.now, options.onBreakerChange);
  }

  async runOnce(): Promise<RoomRunResult> {
    const claimed = await this.rooms.claim(this.now(), this.options.leaseMs, this.options.batchSize);
    const result = { claimed: claimed.length, ready: 0, failed: 0, deferred: 0 };
    // One at a time: rooms are few per minute, and the breaker's count stays meaningful.
    for (const room of claimed) {
      const request = { appointmentId: room.appointmentId, startsAt: room.startsAt, endsAt: room.endsAt };
      try {
        const details = await retry(
          () => this.breaker.run(() => withTimeout(this.options.timeoutMs, (signal) => this.provider.createRoom(request, signal))),
          { attempts: this.options.triesPerClaim, backoff: { baseMs: 200, capMs: 2000, jitter: 1 }, ...(this.options.sleep ? { sleep: this.options.sleep } : {}), ...(this.options.random ? { random: this.options.random } : {}) },
        );
        await this.rooms.ready(room.appointmentId, this.provider.name, details, this.now());
        result.ready++;
      } catch (error) {
        const now = this.now();
        if (error instanceof CircuitOpenError) {
          await this.rooms.deferred(room.appointmentId, `not tried: ${error.message}`, error.retryAt);
          result.deferred++;
        } else {
          const retryAt = now + backoffDelay(room.attempts, this.options.backoff, this.options.random);
          await this.rooms.failed(room.appointmentId, (error as Error).message, error instanceof PermanentError, this.options.maxAttempts, now, retryAt);
          result.failed++;
        }
      }
    }
    return result;
  }
}
