import type { FastifyRequest } from 'fastify';
import type { AccessTokens, Principal, Role } from '../auth/access-tokens.js';
import type { SecurityEvent } from '../audit/security-events.js';
import { ApiError } from '../errors.js';
import type { StationCredentials, StationPrincipal } from '../stations/station-credentials.js';

/** Who may call a route: anyone, a ward station, or users with one of these roles. */
export type Access = 'public' | 'station' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | StationPrincipal | null;
  }
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header || !/^bearer /i.test(header)) throw new ApiError('unauthenticated', 'send Authorization: Bearer …');
  return header.slice(7).trim();
}

/**
 * Resolves the caller of a request against the route's declared access. Runs in `onRequest`,
 * before any body is read, so an unauthenticated client cannot make the service parse anything.
 */
export async function authorize(request: FastifyRequest, access: Access, tokens: AccessTokens, stations: StationCredentials): Promise<void> {
  if (access === 'public') return;
  if (access === 'station') {
    const station = await stations.authenticate(bearer(request));
    const wanted = (request.params as { stationId?: string } | undefined)?.stationId;
    if (wanted !== undefined && wanted !== station.stationId) throw new ApiError('forbidden', 'a station may only write its own batches');
    request.principal = station;
    return;
  }
  const user = await tokens.verify(bearer(request));
  request.principal = user;
  if (!access.includes(user.role)) throw new ApiError('forbidden', `this needs one of the roles: ${access.join(', ')}`);
}

/** The security event a refused request is, if any (a missing or expired token is routine, not one). */
export function refusalEvent(request: FastifyRequest, access: Access, error: ApiError): SecurityEvent | null {
  const principal = request.principal;
  const base = { address: request.ip, detail: { code: error.code, method: request.method, route: request.routeOptions.url ?? null } };
  if (access === 'station') {
    const claimed = (request.headers.authorization ?? '').slice(7).split('.')[0]?.slice(0, 64) || null;
    if (error.code === 'station_revoked') return { event: 'station.revoked', stationId: claimed, ...base };
    if (error.code === 'invalid_credentials' || error.code === 'forbidden') return { event: 'station.auth_failed', stationId: claimed, ...base };
    return null;
  }
  if (error.code === 'forbidden' || error.code === 'invalid_token' || error.code === 'session_revoked') {
    return { event: 'access.denied', userId: principal?.kind === 'user' ? principal.userId : null, ...base };
  }
  return null;
}

export function userOf(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (principal?.kind !== 'user') throw new ApiError('unauthenticated', 'this route needs a signed-in user');
  return principal;
}

export function stationOf(request: FastifyRequest): StationPrincipal {
  const principal = request.principal;
  if (principal?.kind !== 'station') throw new ApiError('unauthenticated', 'this route needs a station credential');
  return principal;
}
