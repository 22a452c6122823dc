import type { FastifyRequest, RouteOptions } from 'fastify';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { Access } from './access.js';

/**
 * The OpenAPI document as client generators need it: every operation says which credential it
 * takes (from the route's declared access, so the two cannot disagree) and has an operationId;
 * the document names the server it was fetched from; request and response bodies are named,
 * shared schemas (identical shapes get one name), so generated code has types to import.
 */
export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'accessToken from POST /v1/auth/login' },
  station: { type: 'http', scheme: 'bearer', description: 'the station credential stationId.secret' },
} as const;

/** Public routes say so with an empty list: no credential, rather than nothing said. */
export function securityOf(access: Access | undefined): Array<Record<string, string[]>> | undefined {
  if (access === undefined) return undefined;
  if (access === 'public') return [];
  return access === 'station' ? [{ station: [] }] : [{ bearer: [] }];
}

const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const camel = (text: string): string => text.replace(/[-_.]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** getPatientsByPatientIdVitals for GET /v1/patients/:patientId/vitals: unique per method and path. */
export function operationIdOf(method: string, url: string): string {
  const parts = url.split('/').filter((part) => part !== '' && part !== 'v1').map((part) => (part.startsWith(':') ? `By${capital(camel(part.slice(1)))}` : capital(camel(part))));
  return `${method.toLowerCase()}${parts.join('') || 'Root'}`;
}

/** @fastify/swagger's per-route transform: security, operationId and the roles, from `config.access`. */
function describeRoute({ schema, url, route }: { schema: Record<string, unknown> | undefined; url: string; route: RouteOptions }): { schema: Record<string, unknown>; url: string } {
  const access = route.config?.access;
  const security = securityOf(access);
  const roles = Array.isArray(access) ? `Roles: ${access.join(', ')}.` : access === 'station' ? 'Ward stations only.' : undefined;
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  return {
    url,
    schema: {
      ...schema,
      operationId: (schema?.operationId as string | undefined) ?? operationIdOf(method, url),
      ...(security ? { security } : {}),
      ...(roles ? { description: [schema?.description, roles].filter(Boolean).join(' ') } : {}),
    },
  };
}

export function openApiOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Ward cloud API', version: '1.0.0', description: 'Vitals history, patients and station sync. Errors are { "error": CODE, "message": ... }. FHIR R4 (read and search) is served at /fhir/R4; its CapabilityStatement at /fhir/R4/metadata.' },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: describeRoute as unknown as FastifyDynamicSwaggerOptions['transform'],
    // Shared schemas keep their $id as their name (Patient, Report, ...) instead of def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  };
}

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Inline object schemas of JSON bodies moved to components.schemas under a name; identical ones share one. */
function hoistBodies(doc: Json): Json {
  const copy = structuredClone(doc) as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, unknown> } };
  copy.components.schemas ??= {};
  const byShape = new Map<string, string>(Object.entries(copy.components.schemas).map(([name, schema]) => [JSON.stringify(schema), name]));
  const hoist = (media: Json | undefined, name: string) => {
    const schema = media?.schema as Json | undefined;
    if (!media || !schema || schema.$ref !== undefined || (schema.type !== 'object' && schema.type !== 'array')) return;
    const shape = JSON.stringify(schema);
    let shared = byShape.get(shape);
    if (shared === undefined) {
      shared = name;
      copy.components.schemas[shared] = schema;
      byShape.set(shape, shared);
    }
    media.schema = { $ref: `#/components/schemas/${shared}` };
  };
  for (const item of Object.values(copy.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const id = capital(String(operation.operationId));
      hoist(((operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.['application/json'], `${id}Request`);
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Json>)) {
        if (status.startsWith('2')) hoist((response.content as Record<string, Json> | undefined)?.['application/json'], `${id}Response${status === '200' ? '' : status}`);
      }
    }
  }
  return copy;
}

let hoisted: { from: unknown; doc: Json } | null = null;

/** The document as served at /v1/openapi.json: bodies named, and this service's origin as its server. */
export function servedDocument(doc: unknown, request: FastifyRequest): Json {
  if (hoisted?.from !== doc) hoisted = { from: doc, doc: hoistBodies(doc as Json) };
  return { ...hoisted!.doc, servers: [{ url: `${request.protocol}://${request.host}`, description: 'this service, as the document was fetched from it' }] };
}
