/**
 * The one logger shape the station and the cloud code against (pino's loggers have it). A type
 * only, so the contract folder stays pure. Never log patient names, MRNs or values: log ids of
 * devices and beds, counts and error codes.
 */
export interface LogMethod {
  (message: string): void;
  (fields: object, message?: string): void;
}

export interface Logger {
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  child(bindings: Record<string, unknown>): Logger;
}
