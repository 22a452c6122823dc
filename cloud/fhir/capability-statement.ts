import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4.js';
import { FHIR_VERSION } from './fhir-json.js';
import type { ResourceRoute, SearchParamDefinition } from './resource-route.js';

const searchParam = (p: SearchParamDefinition) => ({
  name: p.name,
  ...(p.definition ? { definition: p.definition } : {}),
  type: p.type,
  documentation: `${p.required ? 'Required. ' : ''}${p.repeats ? 'Repeatable. ' : ''}${p.documentation}`,
});

function resource(route: ResourceRoute): CapabilityStatementRestResource {
  return {
    type: route.type,
    ...(route.profile ? { profile: route.profile } : {}),
    ...(route.supportedProfiles ? { supportedProfile: [...route.supportedProfiles] } : {}),
    documentation: `${route.documentation} Roles: ${route.access.join(', ')}.`,
    interaction: [
      ...(route.read ? [{ code: 'read' as const }] : []),
      ...(route.search ? [{ code: 'search-type' as const, documentation: `GET only. Page size: default ${route.search.pageSize.default}, at most ${route.search.pageSize.max} (_count above it is refused). Unknown parameters are refused (400), never ignored.` }] : []),
    ],
    versioning: 'no-version',
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    ...(route.search ? { searchParam: route.search.params.map(searchParam) } : {}),
  };
}

/**
 * The CapabilityStatement, built from the same route table the facade registers (so it states
 * exactly what is served: resources, interactions, parameters, page sizes, roles).
 */
export function capabilityStatement(routes: readonly ResourceRoute[], common: readonly SearchParamDefinition[], options: { base: string; date: Date; version: string }): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date.toISOString(),
    publisher: 'Ward cloud',
    kind: 'instance',
    software: { name: 'Ward cloud FHIR facade', version: options.version },
    implementation: { description: 'Read and search over the ward cloud (vitals, patients, booking, reports), with the REST API\'s data and access rules.', url: options.base },
    fhirVersion: FHIR_VERSION,
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Read-only. Every answer is application/fhir+json; every error an OperationOutcome. Every read of patient data is audited as the REST API\'s reads are.',
        security: {
          cors: false,
          description: 'OAuth-style bearer token: Authorization: Bearer <accessToken from POST /v1/auth/login>. The roles each resource needs are in its documentation; 401 without a token, 403 with a role that may not read it.',
        },
        resource: routes.map(resource),
        searchParam: common.map(searchParam),
      },
    ],
  };
}
