import type { Logger } from './logger.js';

/**
 * The parts started so far, stopped newest first. One list serves both a normal stop and a start
 * that fails half-way: a port in use must not leave storage threads holding the database (and
 * the process alive) because the step that failed came after them.
 */
export class StopStack {
  private readonly stops: Array<{ readonly part: string; readonly stop: () => unknown }> = [];

  constructor(private readonly logger: Logger) {}

  /** Records how to stop `part`, which has just started. */
  defer(part: string, stop: () => unknown): void {
    this.stops.push({ part, stop });
  }

  /** Records how to stop `value` and returns it, so a start step reads as one line. */
  adopt<T>(part: string, value: T, stop: (value: T) => unknown): T {
    this.defer(part, () => stop(value));
    return value;
  }

  /** Starts `part` and records its stop; a part whose start throws has nothing to stop. */
  async start<T extends { start(): unknown; stop(): unknown }>(name: string, part: T): Promise<T> {
    await part.start();
    this.defer(name, () => part.stop());
    return part;
  }

  /**
   * Stops everything, newest first. A stop that fails is logged and the others still run (one
   * stuck listener must not keep the database open); the first failure is thrown at the end.
   */
  async stopAll(): Promise<void> {
    let first: unknown = null;
    for (const { part, stop } of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        this.logger.error({ part, err: error instanceof Error ? error.message : String(error) }, 'stop failed');
        first ??= error;
      }
    }
    if (first !== null) throw first;
  }

  /** Runs `start`; if it throws, stops what it had started and throws the start's own error. */
  async startOrUnwind<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.stopAll().catch(() => undefined);
      throw error;
    }
  }
}
