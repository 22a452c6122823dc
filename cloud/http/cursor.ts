import { ApiError } from '../errors.js';

/**
 * Keyset cursors: the sort key of the last row of a page, as opaque base64url JSON. A cursor
 * never goes stale the way an offset does: rows inserted between pages neither repeat nor skip.
 */
export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A part the database can take: finite, safe numbers (1e999 parses as Infinity) and text without NUL. */
function fits(part: unknown, type: 'string' | 'number'): boolean {
  if (type === 'number') return typeof part === 'number' && Number.isFinite(part) && Math.abs(part) <= Number.MAX_SAFE_INTEGER;
  return typeof part === 'string' && part.length <= 1000 && !part.includes('\u0000');
}

export function decodeCursor(cursor: string | undefined, shape: readonly ('string' | 'number')[]): Array<string | number> | null {
  if (cursor === undefined) return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError('invalid_request', 'cursor is not one this service made');
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, i) => !fits(part, shape[i]!))) {
    throw new ApiError('invalid_request', 'cursor is not one this service made');
  }
  return key as Array<string | number>;
}
