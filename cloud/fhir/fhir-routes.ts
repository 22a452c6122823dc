import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CloudApp } from '../context.js';
import { userOf } from '../http/access.js';
import { pageCount, searchsetBundle, CURSOR_PARAM } from './bundle.js';
import { capabilityStatement } from './capability-statement.js';
import { subsetter } from './element-subsetting.js';
import { FHIR_JSON, JSON_FORMATS } from './fhir-json.js';
import { FhirError, fhirErrorHandler, invalidSearch, operationOutcome } from './operation-outcome.js';
import { COMMON_SEARCH_PARAMS, FHIR_RESOURCES } from './resource-table.js';
import type { FhirCall, ResourceRoute, SearchQuery } from './resource-route.js';

export const FHIR_BASE_PATH = '/fhir/R4';
const FACADE_VERSION = '1.0.0';
const COMMON = new Set(COMMON_SEARCH_PARAMS.map((p) => p.name));

/** The facade's absolute base as this client reached it (X-Forwarded-* only with CLOUD_TRUST_PROXY). */
const baseOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}${FHIR_BASE_PATH}`;

function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
}

/** JSON only: `_format` or an Accept header that asks for XML alone is answered 406. */
function checkFormat(request: FastifyRequest, params: URLSearchParams): void {
  const format = params.get('_format');
  if (format !== null && !JSON_FORMATS.has(format)) throw new FhirError(406, 'not-supported', `_format=${format.slice(0, 40)}: this server speaks application/fhir+json only`);
  const accept = request.headers.accept ?? '';
  if (/xml/.test(accept) && !/json|\*\/\*/.test(accept)) throw new FhirError(406, 'not-supported', 'this server speaks application/fhir+json only');
}

/** The search's parameters against the route's definitions: unknown, repeated or missing ones are refused. */
function searchQuery(route: ResourceRoute, params: URLSearchParams): SearchQuery {
  const definitions = new Map(route.search!.params.map((p) => [p.name, p]));
  const values = new Map<string, string[]>();
  for (const [name, value] of params) {
    if (COMMON.has(name)) {
      if (params.getAll(name).length > 1) throw invalidSearch(`${name} given more than once`);
      continue;
    }
    const definition = definitions.get(name);
    if (!definition) throw invalidSearch(`${route.type} has no search parameter ${JSON.stringify(name.slice(0, 40))} (see /metadata; supported: ${[...definitions.keys()].join(', ')})`);
    const list = values.get(name) ?? [];
    list.push(value);
    if (list.length > 1 && !definition.repeats) throw invalidSearch(`${name} given more than once`);
    values.set(name, list);
  }
  for (const definition of definitions.values()) if (definition.required && !values.has(definition.name)) throw invalidSearch(`${route.type} searches need ${definition.name}`);
  return { one: (name) => values.get(name)?.[0], all: (name) => values.get(name) ?? [] };
}

function callOf(app: CloudApp, request: FastifyRequest): FhirCall {
  const user = userOf(request);
  return {
    ctx: app.ctx,
    user,
    base: baseOf(request),
    audit: (action, patientId, detail) => app.ctx.audit.record({ actorType: 'user', actorId: String(user.userId), action, patientId, ...(detail ? { detail } : {}) }),
  };
}

const send = (reply: FastifyReply, body: unknown): FastifyReply => reply.type(FHIR_JSON).send(body);

/**
 * FHIR R4 read and search at /fhir/R4, over the REST API's data and access rules: each resource
 * route declares the same roles as its REST counterpart, the same onRequest hook authorizes it,
 * and reads are audited the same way. Registered from the route table (resource-table.ts).
 */
export function registerFhirRoutes(app: CloudApp): void {
  void app.register(async (fhir) => {
    fhir.setErrorHandler(fhirErrorHandler);
    fhir.setNotFoundHandler((request, reply) => {
      const readOnly = request.method !== 'GET' && request.method !== 'HEAD';
      return send(reply.status(readOnly ? 405 : 404), operationOutcome('not-supported', readOnly ? 'this FHIR facade is read-only (GET)' : `no FHIR interaction at ${request.url.split('?')[0]}; see ${FHIR_BASE_PATH}/metadata`));
    });
    fhir.addHook('onRequest', async (request) => checkFormat(request, queryOf(request)));

    fhir.get('/metadata', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) =>
      send(reply, capabilityStatement(FHIR_RESOURCES, COMMON_SEARCH_PARAMS, { base: baseOf(request), date: app.ctx.startedAt, version: FACADE_VERSION })));

    for (const route of FHIR_RESOURCES) {
      const read = route.read;
      if (read) {
        fhir.get(`/${route.type}/:id`, { config: { access: route.access }, schema: { hide: true } }, async (request, reply) => {
          const { id } = request.params as { id: string };
          const params = queryOf(request);
          const subset = subsetter(params.get('_summary') ?? undefined, params.get('_elements') ?? undefined);
          const resource = await read(callOf(app, request), id);
          if (!resource) throw new FhirError(404, 'not-found', `no ${route.type} with id ${id.slice(0, 64)}`);
          return send(reply, subset(resource));
        });
      }
      const search = route.search;
      if (search) {
        fhir.get(`/${route.type}`, { config: { access: route.access }, schema: { hide: true } }, async (request, reply) => {
          const params = queryOf(request);
          const query = searchQuery(route, params);
          const subset = subsetter(params.get('_summary') ?? undefined, params.get('_elements') ?? undefined);
          const count = pageCount(params.get('_count') ?? undefined, search.pageSize);
          const call = callOf(app, request);
          const page = await search.run(call, query, { count, cursor: params.get(CURSOR_PARAM) ?? undefined });
          return send(reply, searchsetBundle(call.base, route.type, params, page.resources.map(subset), page.nextCursor));
        });
      }
    }
  }, { prefix: FHIR_BASE_PATH });
}
