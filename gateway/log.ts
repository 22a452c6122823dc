import { pino, type Logger as PinoLogger } from 'pino';

/**
 * Structured JSON logs with a child logger per component. Never log patient names, MRNs or
 * values: log ids of devices and beds, counts and error codes.
 */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export function createLogger(level: string = process.env.WARD_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'ward-station' } });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
