import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import { ApiError } from '../errors.js';

export interface StationPrincipal {
  readonly kind: 'station';
  readonly stationId: string;
  /** The facility whose patients (MRNs) this station may write. */
  readonly facility: string;
}

export const DEFAULT_FACILITY = 'main';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Ward stations' own credentials: `Authorization: Bearer {stationId}.{secret}`. The secret is 256
 * random bits shown once at provisioning; only its SHA-256 is stored (a fast hash is enough for a
 * secret no one chose). Checked on every batch, so a revocation takes effect at once.
 */
export class StationCredentials {
  constructor(private readonly sql: Sql) {}

  async provision(id: string, name: string, facility: string = DEFAULT_FACILITY): Promise<{ stationId: string; secret: string; facility: string }> {
    const secret = randomBytes(32).toString('base64url');
    const rows = await this.sql`INSERT INTO stations (id, name, secret_hash, facility) VALUES (${id}, ${name}, ${sha256(secret)}, ${facility})
      ON CONFLICT (id) DO NOTHING RETURNING id`;
    if (rows.length === 0) throw new ApiError('station_exists', `a station with id ${id} already exists`);
    return { stationId: id, secret, facility };
  }

  async revoke(id: string): Promise<void> {
    const rows = await this.sql`UPDATE stations SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ${id} RETURNING id`;
    if (rows.length === 0) throw new ApiError('station_not_found', `no station with id ${id}`);
  }

  async list(): Promise<Array<{ id: string; name: string; facility: string; createdAt: Date; revokedAt: Date | null }>> {
    return this.sql`SELECT id, name, facility, created_at AS "createdAt", revoked_at AS "revokedAt" FROM stations ORDER BY id`;
  }

  async authenticate(bearer: string): Promise<StationPrincipal> {
    const dot = bearer.indexOf('.');
    if (dot <= 0) throw new ApiError('unauthenticated', 'station credentials are "stationId.secret"');
    const stationId = bearer.slice(0, dot);
    const [row] = await this.sql<Array<{ hash: Buffer; revokedAt: Date | null; facility: string }>>`
      SELECT secret_hash AS hash, revoked_at AS "revokedAt", facility FROM stations WHERE id = ${stationId}`;
    const presented = sha256(bearer.slice(dot + 1));
    if (!row || !timingSafeEqual(row.hash, presented)) throw new ApiError('invalid_credentials', 'unknown station or wrong secret');
    if (row.revokedAt) throw new ApiError('station_revoked', 'this station credential was revoked');
    return { kind: 'station', stationId, facility: row.facility };
  }
}
