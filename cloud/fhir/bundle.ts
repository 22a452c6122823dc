import type { Bundle, FhirResource } from 'fhir/r4.js';
import { invalidSearch } from './operation-outcome.js';
import type { PageSize } from './resource-route.js';

/** The parameter that carries a keyset cursor in `next` links (opaque; never an offset). */
export const CURSOR_PARAM = '_cursor';

/** `_count` within the route's limits: absent = its default, above its maximum = refused. */
export function pageCount(value: string | undefined, size: PageSize): number {
  if (value === undefined) return size.default;
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw invalidSearch(`_count=${value.slice(0, 20)}: expected a whole number from 1 to ${size.max}`);
  const count = Number(value);
  if (count > size.max) throw invalidSearch(`_count=${count} is above this search's page size limit of ${size.max}`);
  return count;
}

/** The same search with another cursor: every parameter kept, in its order. */
export function pageUrl(base: string, type: string, params: URLSearchParams, cursor: string | null): string {
  const next = new URLSearchParams();
  for (const [name, value] of params) if (name !== CURSOR_PARAM) next.append(name, value);
  if (cursor !== null) next.append(CURSOR_PARAM, cursor);
  const query = next.toString();
  return `${base}/${type}${query ? `?${query}` : ''}`;
}

/** A `searchset` Bundle: the page's resources as matches, `self` and (when there is more) `next`. */
export function searchsetBundle(base: string, type: string, params: URLSearchParams, resources: readonly FhirResource[], nextCursor: string | null): Bundle {
  const self = new URLSearchParams(params);
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [
      { relation: 'self', url: pageUrl(base, type, self, self.get(CURSOR_PARAM)) },
      ...(nextCursor !== null ? [{ relation: 'next', url: pageUrl(base, type, params, nextCursor) }] : []),
    ],
    entry: resources.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' as const } })),
  };
}
