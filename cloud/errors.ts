/**
 * The cloud's error catalogue: every error a client can see has a stable code, an HTTP status and
 * a message written for the person reading it (fastify's FST_ERR_* and undici's UND_ERR_* habit).
 * Handlers throw `ApiError`; one error handler turns it into `{ "error": CODE, "message": ... }`.
 */
export const ERRORS = {
  invalid_request: 400,
  invalid_body_encoding: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  invalid_token: 401,
  refresh_token_reused: 401,
  session_revoked: 401,
  forbidden: 403,
  station_revoked: 403,
  not_found: 404,
  patient_not_found: 404,
  station_not_found: 404,
  record_not_found: 404,
  doctor_not_found: 404,
  clinic_not_found: 404,
  appointment_not_found: 404,
  report_not_found: 404,
  conflict: 409,
  batch_conflict: 409,
  username_taken: 409,
  station_exists: 409,
  slot_taken: 409,
  patient_busy: 409,
  outside_schedule: 409,
  appointment_not_scheduled: 409,
  mrn_taken: 409,
  report_not_ready: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  too_many_streams: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After for 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = ERRORS[code];
  }
}

/** The one error body shape, also used in the OpenAPI document. */
export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
}
