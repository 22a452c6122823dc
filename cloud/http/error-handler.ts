import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorBody, type ErrorCode } from '../errors.js';

/** fastify's own errors that a client can cause, mapped onto the catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
  // @fastify/compress, decompressing request bodies
  FST_CP_ERR_INVALID_CONTENT_ENCODING: 'unsupported_media_type',
  FST_CP_ERR_INVALID_CONTENT: 'invalid_body_encoding',
};

/**
 * The one error handler: every error leaves as `{ "error": CODE, "message": ... }` with the
 * catalogue's status. Unknown errors are logged (without request bodies) and answered as a bare
 * `internal`, never with a stack trace.
 */
export function errorHandler(error: FastifyError | ApiError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ApiError) {
    return reply.status(error.statusCode).headers(error.headers).send({ error: error.code, message: error.message } satisfies ErrorBody);
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return reply.status(400).send({ error: 'invalid_request', message: `${fastifyError.validationContext ?? 'request'}${fastifyError.message.replace(/^[a-z]+/, '')}` } satisfies ErrorBody);
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return reply.status(fastifyError.statusCode ?? 400).send({ error: mapped, message: fastifyError.message } satisfies ErrorBody);
  if (error instanceof SyntaxError && (fastifyError.statusCode ?? 0) === 400) return reply.status(400).send({ error: 'invalid_request', message: 'the body is not valid JSON' } satisfies ErrorBody);
  // PostgreSQL's data exceptions (class 22: out of range, invalid text, ...) come from values a
  // client sent that no check caught: a 400, and the database's own text stays here.
  const sqlState = (error as { code?: unknown }).code;
  if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState) && (error as { severity?: unknown }).severity !== undefined) {
    request.log.warn({ sqlState, route: request.routeOptions.url }, 'a request value the database refused');
    return reply.status(400).send({ error: 'invalid_request', message: 'a value in the request is out of range or malformed' } satisfies ErrorBody);
  }
  request.log.error({ err: { message: error.message, code: fastifyError.code, stack: error.stack } }, 'unhandled error');
  return reply.status(500).send({ error: 'internal', message: 'internal error; it has been logged' } satisfies ErrorBody);
}
