import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { CircuitOpenError } from './circuit-breaker.js';

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** Marks an error that retrying cannot fix (a 4xx from a provider, a rejected address). */
export class PermanentError extends Error {}

/**
 * Gives `call` an AbortSignal that fires after `ms`; a provider that hangs costs at most `ms`.
 * The call must honour the signal (fetch does).
 */
export async function withTimeout<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(ms)), ms);
  try {
    return await call(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason as Error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export interface RetryOptions {
  readonly attempts: number;
  readonly backoff: BackoffPolicy;
  /** Injectable so tests need no real waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Up to `attempts` tries with backoff between them. Permanent errors and an open circuit are not
 * retried: another try cannot succeed and would only add load.
 */
export async function retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= options.attempts || error instanceof PermanentError || error instanceof CircuitOpenError) throw error;
      await sleep(backoffDelay(attempt, options.backoff, options.random));
    }
  }
}
