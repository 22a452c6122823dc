import { pino, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from './protocol/logger.js';

/**
 * Structured logs with a child logger per component. Never log patient names, MRNs or values:
 * log ids of devices and beds, counts and error codes.
 */
export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines for services, files and tools; readable lines for a person at a terminal.
 * WARD_LOG_FORMAT=json|pretty overrides the choice.
 */
export function chooseLogFormat(env: NodeJS.ProcessEnv, isTerminal: boolean): LogFormat {
  if (env.WARD_LOG_FORMAT === 'json' || env.WARD_LOG_FORMAT === 'pretty') return env.WARD_LOG_FORMAT;
  return isTerminal ? 'pretty' : 'json';
}

export function createLogger(
  level: string = process.env.WARD_LOG_LEVEL ?? 'info',
  format: LogFormat = chooseLogFormat(process.env, process.stdout.isTTY === true),
  destination?: DestinationStream,
): Logger {
  const options = { level, base: { app: 'ward-station' } };
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  return pino(
    options,
    pretty({
      colorize: destination === undefined && process.stdout.isTTY === true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,app',
      singleLine: true,
      ...(destination ? { destination } : {}),
    }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
