import type { FhirResource } from 'fhir/r4.js';
import type { Principal, Role } from '../auth/access-tokens.js';
import type { CloudContext } from '../context.js';

/**
 * One row of the facade's route table: a resource type, who may read it, and how it is read and
 * searched. The routes and the CapabilityStatement are both generated from the table, so what
 * /metadata states is exactly what the facade serves.
 */
export interface SearchParamDefinition {
  readonly name: string;
  readonly type: 'token' | 'string' | 'reference' | 'date' | 'special';
  readonly documentation: string;
  /** Canonical URL of the standard SearchParameter, for the standard ones. */
  readonly definition?: string;
  /** The search is refused without it (e.g. Observation without a patient). */
  readonly required?: boolean;
  /** May be given more than once (date conditions are ANDed). */
  readonly repeats?: boolean;
}

/** What a handler needs of the request: the service, the signed-in user, the base URL, the audit. */
export interface FhirCall {
  readonly ctx: CloudContext;
  readonly user: Principal;
  /** Absolute base of the facade as the client reached it, e.g. https://cloud.example/fhir/R4. */
  readonly base: string;
  /** Records a read in the audit log as the REST API does (actor = the user). */
  audit(action: string, patientId: number | null, detail?: Record<string, unknown>): void;
}

/** The parameters of a search, checked against the route's definitions before `run` sees them. */
export interface SearchQuery {
  /** The single value of a parameter, if given. */
  one(name: string): string | undefined;
  /** Every value of a repeatable parameter, in order. */
  all(name: string): readonly string[];
}

export interface SearchPage<T extends FhirResource> {
  readonly resources: readonly T[];
  /** The keyset cursor of the next page (the REST API's own), or null at the end. */
  readonly nextCursor: string | null;
}

export interface PageSize {
  readonly default: number;
  readonly max: number;
}

export interface SearchDefinition<T extends FhirResource> {
  readonly params: readonly SearchParamDefinition[];
  readonly pageSize: PageSize;
  run(call: FhirCall, query: SearchQuery, page: { count: number; cursor: string | undefined }): Promise<SearchPage<T>>;
}

export interface ResourceRoute<T extends FhirResource = FhirResource> {
  readonly type: T['resourceType'];
  readonly access: readonly Role[];
  readonly documentation: string;
  readonly profile?: string;
  readonly supportedProfiles?: readonly string[];
  /** The resource, or null when there is none with that id (answered 404). */
  readonly read?: (call: FhirCall, id: string) => Promise<T | null>;
  readonly search?: SearchDefinition<T>;
}
