/**
 * The gateway's error catalogue: every refusal a nurse, an administrator or a screen can see has
 * a stable code and a message written for the person reading it (the cloud's `errors.ts`, and
 * fastify's FST_ERR_* habit). The UI channel sends `{ code, message }` of a StationError as it
 * is; any other error is `internal`, logged without the request's values.
 */
import { UI_ERROR_CODES } from '../protocol/ui-requests.js';

export const STATION_ERROR_CODES = [
  ...UI_ERROR_CODES,
  /** Ward records (beds, admissions). */
  'BED_EXISTS',
  'BED_NOT_FOUND',
  'BED_OCCUPIED',
  'PATIENT_NOT_ADMITTED',
  'PATIENT_ALREADY_ADMITTED',
  /** Nurses and their sign-in. */
  'NURSE_EXISTS',
  'NURSE_NOT_FOUND',
  'SIGN_IN_FAILED',
  'SIGN_IN_THROTTLED',
  /** The device registry. */
  'DEVICE_EXISTS',
  'DEVICE_NOT_FOUND',
  /** A value an administrator or a screen gave that the records cannot take. */
  'INVALID_ARGUMENT',
  /** A ward set-up CSV that cannot be imported (nothing of it was). */
  'IMPORT_INVALID',
] as const;

export type StationErrorCode = (typeof STATION_ERROR_CODES)[number];

export class StationError<C extends StationErrorCode = StationErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
  }
}
