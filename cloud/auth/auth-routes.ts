import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import { userOf } from '../http/access.js';
import { LoginThrottle } from './login-throttle.js';
import { RefreshTokenReused } from './refresh-tokens.js';
import { decoyHash, verifyPassword } from './passwords.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('physician'), Type.Literal('nurse')]);
const Tokens = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds' }),
  refreshToken: Type.String(),
});
const UserSchema = Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String(), role: Role });

export function registerAuthRoutes(app: CloudApp): void {
  const { users, tokens, refreshTokens, throttle, audit, securityEvents } = app.ctx;

  app.post('/v1/auth/login', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Sign in; returns a short-lived access token and a refresh token',
      body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 1000 }) }),
      response: { 200: Tokens, ...errorResponses },
    },
  }, async (request) => {
    const { username, password } = request.body;
    const keys = LoginThrottle.keys(username, request.ip);
    // Counted before the check, atomically: concurrent guesses cannot slip past the limit.
    try {
      await throttle.begin(keys);
    } catch (error) {
      securityEvents.record({ event: 'auth.login_throttled', username: username.toLowerCase(), address: request.ip });
      throw error;
    }
    const user = await users.forLogin(username);
    let ok: boolean;
    try {
      // Same work whether or not the account exists: timing does not tell which usernames are real.
      ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    } catch (error) {
      await throttle.notChecked(keys);
      throw error;
    }
    if (!user || !ok) {
      securityEvents.record({ event: 'auth.login_failed', username: username.toLowerCase(), address: request.ip, detail: { knownAccount: user !== null } });
      throw new ApiError('invalid_credentials', 'wrong username or password');
    }
    await throttle.succeeded(keys);
    audit.record({ actorType: 'user', actorId: String(user.id), action: 'auth.login', patientId: null });
    const sessionId = randomUUID();
    const refreshToken = await refreshTokens.issue(user.id, sessionId);
    return { accessToken: await tokens.issue(user.id, user.role, sessionId), tokenType: 'Bearer' as const, expiresIn: tokens.ttlSeconds, refreshToken };
  });

  app.post('/v1/auth/refresh', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Exchange a refresh token for new tokens (the old one is used up; reusing it revokes the family)',
      body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: Tokens, ...errorResponses },
    },
  }, async (request) => {
    const next = await refreshTokens.rotate(request.body.refreshToken).catch((error: unknown) => {
      if (error instanceof RefreshTokenReused) securityEvents.record({ event: 'auth.refresh_reused', userId: error.userId, address: request.ip });
      throw error;
    });
    return { accessToken: await tokens.issue(next.userId, next.role, next.familyId), tokenType: 'Bearer' as const, expiresIn: tokens.ttlSeconds, refreshToken: next.refreshToken };
  });

  app.post('/v1/auth/logout', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Revoke a refresh token and its family',
      body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    await refreshTokens.revoke(request.body.refreshToken);
    return reply.status(204).send(null);
  });

  app.get('/v1/auth/lockouts', {
    config: { access: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Sign-in locks in force (an account at an address, or an address)',
      response: { 200: Type.Array(Type.Object({ username: Type.Union([Type.String(), Type.Null()]), address: Type.Union([Type.String(), Type.Null()]), lockedUntil: Type.String({ format: 'date-time' }) })), ...errorResponses },
    },
  }, async () => (await throttle.lockouts()).map((l) => ({ ...l, lockedUntil: l.lockedUntil.toISOString() })));

  app.delete('/v1/auth/lockouts', {
    config: { access: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: "Lift the sign-in locks of an account (at every address) or of an address",
      querystring: Type.Object({ username: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), address: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
      response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    const { username, address } = request.query;
    if (!username && !address) throw new ApiError('invalid_request', 'name a username or an address');
    await throttle.unlock({ username, address });
    securityEvents.record({ event: 'auth.unlocked', userId: userOf(request).userId, address: request.ip, detail: { username: username ?? null, lockedAddress: address ?? null } });
    return reply.status(204).send(null);
  });

  app.get('/v1/me', {
    config: { access: ['admin', 'physician', 'nurse'] },
    schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: UserSchema, ...errorResponses } },
  }, async (request) => {
    const user = await users.get(userOf(request).userId);
    if (!user) throw new ApiError('unauthenticated', 'this account no longer exists');
    return user;
  });

  app.post('/v1/me/password', {
    config: { access: ['admin', 'physician', 'nurse'] },
    schema: {
      tags: ['auth'],
      summary: "Change one's own password; every other session of the account ends",
      body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 1000 }), newPassword: Type.String({ minLength: 12, maxLength: 1000 }) }),
      response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    const principal = userOf(request);
    const account = await users.get(principal.userId);
    const user = account ? await users.forLogin(account.username) : null;
    if (!user) throw new ApiError('unauthenticated', 'this account no longer exists');
    // The same throttle as sign-in: a stolen access token must not become a password oracle.
    const keys = LoginThrottle.keys(user.username, request.ip);
    await throttle.begin(keys);
    let ok: boolean;
    try {
      ok = await verifyPassword(request.body.currentPassword, user.passwordHash);
    } catch (error) {
      await throttle.notChecked(keys);
      throw error;
    }
    if (!ok) {
      securityEvents.record({ event: 'auth.login_failed', username: user.username, userId: user.id, address: request.ip, detail: { during: 'password change' } });
      throw new ApiError('invalid_credentials', 'the current password is wrong');
    }
    await throttle.succeeded(keys);
    await users.setPassword(user.id, request.body.newPassword);
    await refreshTokens.revokeUserSessions(user.id, principal.sessionId);
    securityEvents.record({ event: 'auth.password_changed', username: user.username, userId: user.id, address: request.ip });
    return reply.status(204).send(null);
  });

  app.post('/v1/users', {
    config: { access: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Create a user account',
      body: Type.Object({
        username: Type.String({ pattern: '^[A-Za-z0-9._-]{2,64}$' }),
        displayName: Type.String({ minLength: 1, maxLength: 200 }),
        role: Role,
        password: Type.String({ minLength: 12, maxLength: 1000 }),
      }),
      response: { 201: UserSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const user = await users.create(request.body);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'user.create', patientId: null, detail: { userId: user.id, role: user.role } });
    return reply.status(201).send(user);
  });

  app.delete('/v1/users/:id', {
    config: { access: ['admin'] },
    schema: { tags: ['admin'], summary: 'Disable a user account (its sessions end)', params: Type.Object({ id: Type.Integer() }), response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await users.disable(request.params.id);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'user.disable', patientId: null, detail: { userId: request.params.id } });
    return reply.status(204).send(null);
  });
}
