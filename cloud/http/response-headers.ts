import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface HeaderPolicy {
  /** Origins of browser apps allowed to call the API (CLOUD_CORS_ORIGINS); empty: no CORS at all. */
  readonly corsOrigins: readonly string[];
  /** Send Strict-Transport-Security (CLOUD_HSTS=true when clients reach the service over HTTPS only). */
  readonly hsts: boolean;
}

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, content-encoding, x-read-after';
/** Read-your-writes across replicas (http/read-after.ts): a browser app must be able to read them. */
const EXPOSED_HEADERS = 'x-read-after, x-read-source';

/**
 * Headers on every answer: nothing is cached (answers carry patient data and are per user), the
 * browser sniffs no content type and frames nothing. CORS only for the listed origins, and
 * OPTIONS answers every path (a preflight gets the CORS headers when its origin is listed).
 */
export function registerResponseHeaders(fastify: FastifyInstance, policy: HeaderPolicy): void {
  const allowed = new Set(policy.corsOrigins);
  const cors = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const origin = request.headers.origin;
    if (allowed.size === 0) return false;
    void reply.header('vary', 'origin');
    if (!origin || !allowed.has(origin)) return false;
    void reply.header('access-control-allow-origin', origin);
    return true;
  };
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'no-referrer');
    if (policy.hsts) void reply.header('strict-transport-security', 'max-age=31536000');
    if (request.method !== 'OPTIONS' && cors(request, reply)) void reply.header('access-control-expose-headers', EXPOSED_HEADERS);
  });
  fastify.options('*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (cors(request, reply)) {
      void reply.header('access-control-allow-methods', ALLOWED_METHODS);
      void reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      void reply.header('access-control-max-age', '600');
    }
    return reply.status(204).header('allow', `${ALLOWED_METHODS}, OPTIONS`).send();
  });
}
