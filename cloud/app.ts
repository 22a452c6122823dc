import { constants as zlib } from 'node:zlib';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerAuthRoutes } from './auth/auth-routes.js';
import type { CloudApp, CloudContext } from './context.js';
import { ApiError } from './errors.js';
import { authorize, refusalEvent } from './http/access.js';
import { errorHandler } from './http/error-handler.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerReadAfter } from './http/read-after.js';
import { requireCanonicalIntegers } from './http/canonical-integers.js';
import { registerResponseHeaders, type HeaderPolicy } from './http/response-headers.js';
import { registerSecurityRoutes } from './http/security-routes.js';
import { ErrorSchema } from './http/schemas.js';
import { openApiOptions, servedDocument } from './http/openapi-document.js';
import { registerIngestRoutes } from './ingest/ingest-routes.js';
import { registerPatientRoutes } from './patients/patient-routes.js';
import { registerBookingRoutes } from './booking/booking-routes.js';
import { registerRecordRoutes } from './records/record-routes.js';
import { registerNotificationRoutes } from './notifications/notification-routes.js';
import { registerReportRoutes } from './reports/report-routes.js';
import { registerVideoRoutes } from './video/video-routes.js';
import { registerStationRoutes } from './stations/station-routes.js';
import { registerVitalsRoutes } from './vitals/vitals-routes.js';
import { registerHttpMetrics } from './metrics/metrics-server.js';
import { registerVitalStreamRoutes } from './vitals/vital-stream-routes.js';
import { registerWebhookRoutes } from './webhooks/webhook-routes.js';
import { registerFhirRoutes } from './fhir/fhir-routes.js';

/** Feature route sets, each in its own folder (Medplum's one-feature-one-folder habit). */
export type RouteSet = (app: CloudApp) => void;
const ROUTES: RouteSet[] = [registerReadAfter, registerHealthRoutes, registerAuthRoutes, registerStationRoutes, registerIngestRoutes, registerPatientRoutes, registerVitalsRoutes, registerReportRoutes, registerNotificationRoutes, registerVideoRoutes, registerRecordRoutes, registerBookingRoutes, registerSecurityRoutes, registerWebhookRoutes, registerVitalStreamRoutes, registerFhirRoutes];

/**
 * The HTTP face of the cloud. Every route must declare who may call it (`config.access`): a
 * route without one makes the service refuse to start, so no route is left open by accident.
 */
export interface AppOptions extends Partial<HeaderPolicy> {
  readonly trustProxy?: boolean;
}

export async function buildApp(ctx: CloudContext, logger: FastifyBaseLogger | false = false, extraRoutes: RouteSet[] = [], options: AppOptions = {}): Promise<CloudApp> {
  const fastify = Fastify({
    loggerInstance: logger === false ? undefined : logger,
    logger: logger === false ? false : undefined,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
    // No per-request log lines: URLs carry patient ids and name searches (no patient data in logs).
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const app = fastify as unknown as CloudApp;
  fastify.decorate('ctx', ctx);
  fastify.decorateRequest('principal', null);
  fastify.setErrorHandler(errorHandler);
  fastify.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
  fastify.addSchema(ErrorSchema);
  // JSON as fastify parses it (prototype poisoning refused), except that an empty body is no
  // body: clients send content-type: application/json on a bodiless POST (e.g. …/cancel).
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });
  registerResponseHeaders(fastify, { corsOrigins: options.corsOrigins ?? [], hsts: options.hsts ?? false });
  if (ctx.metrics) registerHttpMetrics(fastify, ctx.metrics);

  await fastify.register(swagger, openApiOptions());
  // Large answers (history, record pages) go out compressed when the client accepts it, and
  // compressed request bodies (station batches) are decompressed, within the route's bodyLimit.
  // Brotli at quality 4: most of its gain at a fraction of the default (11)'s CPU per response.
  await fastify.register(compress, {
    global: true,
    threshold: 2048,
    encodings: ['br', 'gzip'],
    requestEncodings: ['gzip', 'deflate'],
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });

  fastify.addHook('onRoute', (route) => {
    if (route.url === '*' || route.config?.access !== undefined) return;
    throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
  });
  fastify.addHook('preValidation', requireCanonicalIntegers);
  let proxyWarned = false;
  fastify.addHook('onRequest', async (request) => {
    if (!proxyWarned && options.trustProxy !== true && request.headers['x-forwarded-for'] !== undefined) {
      proxyWarned = true;
      request.log.warn('requests carry X-Forwarded-For but CLOUD_TRUST_PROXY is not true: every client behind the proxy counts as one address for sign-in throttling and security events; set CLOUD_TRUST_PROXY=true behind a load balancer');
    }
  });
  fastify.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined) return; // the 404 handler
    try {
      await authorize(request, access, ctx.tokens, ctx.stations);
    } catch (error) {
      const event = error instanceof ApiError ? refusalEvent(request, access, error) : null;
      if (event) ctx.securityEvents.record(event);
      throw error;
    }
  });

  for (const register of [...ROUTES, ...extraRoutes]) register(app);

  fastify.get('/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async (request) => servedDocument(fastify.swagger(), request));
  return app;
}
