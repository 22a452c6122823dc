import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { inject } from 'vitest';
import { loadCloudConfig } from '../../cloud/config.js';
import { startCloudService, type CloudService, type ServiceOptions } from '../../cloud/service.js';
import type { Role } from '../../cloud/auth/access-tokens.js';
import { createTestDatabase } from './cloud-database.js';

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * A cloud replica on a fresh database of the test server, on a free loopback port, in the storage
 * mode of the test project (native on PostgreSQL 17, timescaledb on the TimescaleDB server).
 */
export async function startTestCloud(options: ServiceOptions & { databaseUrl?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ service: CloudService; url: string; databaseUrl: string; stop(): Promise<void> }> {
  const db = options.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? db!.url;
  const service = await startCloudService(
    { ...loadCloudConfig({ CLOUD_PORT: '0', CLOUD_STORAGE_MODE: inject('storageMode'), ...options.env }), databaseUrl, poolSize: 10 },
    { logger: pino({ level: 'silent' }) as FastifyBaseLogger, ...options },
  );
  // The table of open slots is filled in the background; tests start from a settled one.
  await service.ctx.openSlots.maintain();
  return {
    service,
    url: service.url,
    databaseUrl,
    async stop() {
      await service.close();
      await db?.drop();
    },
  };
}

export async function addUser(service: CloudService, role: Role, username = `${role}-${Math.random().toString(36).slice(2, 8)}`): Promise<{ username: string; password: string; id: number }> {
  const user = await service.ctx.users.create({ username, displayName: `Test ${role}`, role, password: TEST_PASSWORD });
  return { username, password: TEST_PASSWORD, id: user.id };
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export async function api<T = unknown>(url: string, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export async function signIn(url: string, username: string, password = TEST_PASSWORD): Promise<Tokens> {
  const { status, body } = await api<Tokens>(url, '/v1/auth/login', { method: 'POST', body: { username, password } });
  if (status !== 200) throw new Error(`sign-in failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** PUT a station batch as a station does: gzip JSON with its credential. */
export async function putBatch(url: string, credential: string, batchId: string, batch: unknown, raw?: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const stationId = credential.slice(0, credential.indexOf('.'));
  const response = await fetch(`${url}/v1/stations/${stationId}/batches/${batchId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: new Uint8Array(raw ?? gzipSync(JSON.stringify(batch))),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
