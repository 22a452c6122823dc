import { Type, type TSchema } from '@sinclair/typebox';
import { ERRORS } from '../errors.js';

/** The error body, referenced by every route's non-2xx responses in the OpenAPI document. */
export const ErrorSchema = Type.Object(
  {
    error: Type.Union(Object.keys(ERRORS).map((code) => Type.Literal(code))),
    message: Type.String(),
  },
  { $id: 'Error', description: 'Every error: a stable code from the catalogue and a message for people' },
);

export const ErrorRef = Type.Ref('Error');

/** A keyset page: items plus the cursor of the next page (null at the end). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const PageQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

/** Standard error responses to merge into a route's `response`. */
export const errorResponses = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 429: ErrorRef };
