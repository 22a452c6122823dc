import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

/** A decimal integer as people and this service write it: no sign but '-', no leading zeros, no exponent, no hex. */
const CANONICAL = /^-?(0|[1-9][0-9]{0,15})$/;

interface PropertySchema {
  readonly type?: string;
  readonly anyOf?: readonly PropertySchema[];
}

interface ObjectSchema {
  readonly properties?: Record<string, PropertySchema>;
}

/** An integer, or an integer-or-time union given something that is not a time (times have ':'). */
function integerExpected(property: PropertySchema, raw: string): boolean {
  if (property.type === 'integer') return true;
  return (property.anyOf ?? []).some((p) => p.type === 'integer') && !raw.includes(':');
}

function check(values: unknown, schema: ObjectSchema | undefined, where: string): void {
  if (!schema?.properties || typeof values !== 'object' || values === null) return;
  for (const [name, property] of Object.entries(schema.properties)) {
    const raw = (values as Record<string, unknown>)[name];
    if (typeof raw !== 'string' || !integerExpected(property, raw)) continue;
    if (!CANONICAL.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw new ApiError('invalid_request', `${where} ${name} must be a decimal integer (got ${JSON.stringify(raw.slice(0, 40))})`);
    }
  }
}

/**
 * Runs before schema validation, on the raw text: the validator's type coercion would read
 * `0x10` as 16 and `+3` or `3.0` as 3, and pass `99999999999999999999` on to the database, which
 * refuses it with an error. Integers in paths and query strings are decimal, canonical and safe.
 */
export async function requireCanonicalIntegers(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema as { params?: ObjectSchema; querystring?: ObjectSchema } | undefined;
  if (!schema) return;
  check(request.params, schema.params, 'path parameter');
  check(request.query, schema.querystring, 'query parameter');
}
