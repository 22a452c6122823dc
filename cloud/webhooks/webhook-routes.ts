import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';
import { appointmentWebhookHook } from './change-events.js';
import { WebhookEndpoints, type WebhookDeliveryView, type WebhookEndpoint } from './webhook-endpoints.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.js';
import { checkEndpointUrl } from './webhook-url.js';

const ADMIN: readonly 'admin'[] = ['admin'];
const EndpointParams = Type.Object({ endpointId: Type.Integer({ minimum: 1 }) });
const EventType = Type.Unsafe<WebhookEventType>(Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t))));
const Instant = Type.String({ format: 'date-time' });
const NullableInstant = Type.Union([Instant, Type.Null()]);

const EndpointView = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(EventType),
  description: Type.String(),
  createdAt: Instant,
  consecutiveFailures: Type.Integer({ description: 'failed attempts in a row; reaching CLOUD_WEBHOOK_DISABLE_AFTER disables the endpoint' }),
  disabledAt: NullableInstant,
  disabledReason: Type.Union([Type.String(), Type.Null()]),
});

const DeliveryView = Type.Object({
  id: Type.Integer(),
  eventId: Type.String({ description: 'the id receivers deduplicate by (the same on every attempt)' }),
  eventType: EventType,
  status: Type.Union([Type.Literal('pending'), Type.Literal('sending'), Type.Literal('delivered'), Type.Literal('failed')], { description: 'failed: every attempt was used' }),
  attempts: Type.Integer(),
  nextAttemptAt: Instant,
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Instant,
  deliveredAt: NullableInstant,
  log: Type.Array(Type.Object({ attempt: Type.Integer(), at: Instant, durationMs: Type.Integer(), statusCode: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]) })),
});

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);
const endpointView = (e: WebhookEndpoint) => ({ ...e, createdAt: iso(e.createdAt)!, disabledAt: iso(e.disabledAt) });
const deliveryView = (d: WebhookDeliveryView) => ({
  ...d,
  eventType: d.eventType as WebhookEventType,
  nextAttemptAt: iso(d.nextAttemptAt)!,
  createdAt: iso(d.createdAt)!,
  deliveredAt: iso(d.deliveredAt),
  log: d.log.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
});

/**
 * Administrators register the endpoints that are told of changes (README "Webhooks"), and see
 * what was delivered. Also registers the appointment hook that queues appointment events.
 */
export function registerWebhookRoutes(app: CloudApp): void {
  const { sql, audit } = app.ctx;
  const config = app.ctx.config.webhooks;
  const endpoints = new WebhookEndpoints(sql);
  app.ctx.appointmentHooks.push(appointmentWebhookHook());

  app.post('/v1/webhooks', {
    config: { access: ADMIN },
    schema: {
      tags: ['webhooks'],
      summary: 'Register an endpoint; the answer carries its signing secret, shown this once',
      body: Type.Object({
        url: Type.String({ maxLength: 2000, description: 'https:// (http:// to loopback only when CLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK=true)' }),
        events: Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length }),
        description: Type.Optional(Type.String({ maxLength: 200 })),
      }, { additionalProperties: false }),
      response: { 201: Type.Intersect([EndpointView, Type.Object({ secret: Type.String() })]), ...errorResponses },
    },
  }, async (request, reply) => {
    const url = checkEndpointUrl(request.body.url, config.allowHttpLoopback);
    const actor = userOf(request).userId;
    const created = await endpoints.create({ url, events: request.body.events as WebhookEventType[], description: request.body.description ?? '', createdBy: actor });
    audit.record({ actorType: 'user', actorId: String(actor), action: 'webhook.create', patientId: null, detail: { endpointId: created.id } });
    return reply.status(201).send({ ...endpointView(created), secret: created.secret });
  });

  app.get('/v1/webhooks', {
    config: { access: ADMIN },
    schema: { tags: ['webhooks'], summary: 'Registered endpoints and their state (no secrets)', response: { 200: Type.Object({ items: Type.Array(EndpointView) }), ...errorResponses } },
  }, async () => ({ items: (await endpoints.list()).map(endpointView) }));

  app.delete('/v1/webhooks/:endpointId', {
    config: { access: ADMIN },
    schema: { tags: ['webhooks'], summary: 'Remove an endpoint with its pending deliveries and log', params: EndpointParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    if (!(await endpoints.delete(request.params.endpointId))) throw new ApiError('not_found', `no webhook endpoint with id ${request.params.endpointId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'webhook.delete', patientId: null, detail: { endpointId: request.params.endpointId } });
    return reply.status(204).send(null);
  });

  app.post('/v1/webhooks/:endpointId/enable', {
    config: { access: ADMIN },
    schema: {
      tags: ['webhooks'],
      summary: 'Enable a disabled endpoint again: its failure count restarts and held deliveries are due at once',
      params: EndpointParams,
      response: { 200: EndpointView, ...errorResponses },
    },
  }, async (request) => {
    const enabled = await endpoints.enable(request.params.endpointId);
    if (!enabled) throw new ApiError('not_found', `no webhook endpoint with id ${request.params.endpointId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'webhook.enable', patientId: null, detail: { endpointId: enabled.id } });
    return endpointView(enabled);
  });

  app.get('/v1/webhooks/:endpointId/deliveries', {
    config: { access: ADMIN },
    schema: {
      tags: ['webhooks'],
      summary: "An endpoint's deliveries, newest first, each with its attempt log",
      params: EndpointParams,
      querystring: Type.Object(PageQuery),
      response: { 200: Page(DeliveryView), ...errorResponses },
    },
  }, async (request) => {
    const limit = request.query.limit ?? 20;
    const before = decodeCursor(request.query.cursor, ['number'])?.[0] as number | undefined;
    const rows = await endpoints.deliveries(request.params.endpointId, before ?? null, limit + 1);
    const page = rows.slice(0, limit);
    return { items: page.map(deliveryView), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1]!.id]) : null };
  });
}
