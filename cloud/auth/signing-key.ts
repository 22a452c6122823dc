import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql.js';

/**
 * The JWT signing key every replica shares: the operator's (CLOUD_JWT_SECRET) when given,
 * otherwise one generated at the first start and kept in the database, so replicas agree
 * without any configuration.
 */
export async function loadSigningKey(sql: Sql, configured: string | null): Promise<Uint8Array> {
  if (configured) {
    if (configured.length < 32) throw new Error('CLOUD_JWT_SECRET must have at least 32 characters');
    return new TextEncoder().encode(configured);
  }
  await sql`INSERT INTO service_secrets (name, value) VALUES ('jwt-hs256', ${randomBytes(32)}) ON CONFLICT (name) DO NOTHING`;
  const [row] = await sql<[{ value: Buffer }]>`SELECT value FROM service_secrets WHERE name = 'jwt-hs256'`;
  return new Uint8Array(row.value);
}
