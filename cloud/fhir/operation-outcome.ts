import type { OperationOutcome } from 'fhir/r4.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode } from '../errors.js';
import { FHIR_JSON } from './fhir-json.js';

/** FHIR's issue types (http://hl7.org/fhir/issue-type) that this facade answers with. */
export type IssueType = 'invalid' | 'not-supported' | 'not-found' | 'forbidden' | 'login' | 'throttled' | 'conflict' | 'exception' | 'too-costly';

/** A refusal that only the FHIR facade makes (406 for XML, unknown search parameters, ...). */
export class FhirError extends Error {
  constructor(
    readonly statusCode: number,
    readonly issue: IssueType,
    message: string,
  ) {
    super(message);
  }
}

export const invalidSearch = (message: string): FhirError => new FhirError(400, 'invalid', message);

/** The catalogue's statuses as FHIR issue types; the stable code travels in `details.coding`. */
function issueFor(status: number): IssueType {
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'exception';
  return 'invalid';
}

export const ERROR_CODE_SYSTEM = 'urn:ward-cloud:error-code';

export function operationOutcome(issue: IssueType, message: string, code?: ErrorCode): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: issue, diagnostics: message, ...(code ? { details: { coding: [{ system: ERROR_CODE_SYSTEM, code }], text: code } } : {}) }],
  };
}

/**
 * The facade's one error handler: every error leaves as an OperationOutcome with the status the
 * REST API would give it (the catalogue's), access refusals included. Unknown errors are logged
 * without the request and answered as a bare exception, never with a stack trace.
 */
export function fhirErrorHandler(error: FastifyError | ApiError | FhirError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  void reply.type(FHIR_JSON);
  if (error instanceof FhirError) return reply.status(error.statusCode).send(operationOutcome(error.issue, error.message));
  if (error instanceof ApiError) return reply.status(error.statusCode).headers(error.headers).send(operationOutcome(issueFor(error.statusCode), error.message, error.code));
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return reply.status(status).send(operationOutcome(issueFor(status), error.message));
  const sqlState = (error as { code?: unknown }).code;
  if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState) && (error as { severity?: unknown }).severity !== undefined) {
    return reply.status(400).send(operationOutcome('invalid', 'a value in the request is out of range or malformed', 'invalid_request'));
  }
  request.log.error({ err: { message: error.message, code: (error as FastifyError).code, stack: error.stack }, route: request.routeOptions.url }, 'unhandled error in the FHIR facade');
  return reply.status(500).send(operationOutcome('exception', 'internal error; it has been logged', 'internal'));
}
