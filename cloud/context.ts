import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessTokens } from './auth/access-tokens.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { RefreshTokens } from './auth/refresh-tokens.js';
import type { Users } from './auth/users.js';
import type { CloudConfig } from './config.js';
import type { AuditLog } from './audit/audit-log.js';
import type { SecurityEvents } from './audit/security-events.js';
import type { AppointmentHook } from './booking/appointment-events.js';
import type { OpenSlots } from './booking/open-slots.js';
import type { ClusterBus } from './cluster/cluster-bus.js';
import type { StorageMode } from './db/migration.js';
import type { ReadRouting } from './db/read-routing.js';
import type { Sql } from './db/sql.js';
import type { BatchIngest } from './ingest/batch-ingest.js';
import type { Patients } from './patients/patients.js';
import type { StationCredentials } from './stations/station-credentials.js';
import type { LatestVitalsCache } from './vitals/latest-vitals-cache.js';
import type { CloudMetrics } from './metrics/cloud-metrics.js';
import type { VitalsHistory } from './vitals/vitals-history.js';

/** Everything a route needs, built once per process (see `createContext`). */
export interface CloudContext {
  /** The replica's validated configuration (cloud/config.ts): nothing else reads the environment. */
  readonly config: CloudConfig;
  readonly sql: Sql;
  /** Where reads that may be a moment old run: a streaming replica, or the primary (`sql`). */
  readonly reads: ReadRouting;
  readonly mode: StorageMode;
  readonly users: Users;
  readonly tokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly throttle: LoginThrottle;
  readonly stations: StationCredentials;
  readonly audit: AuditLog;
  readonly securityEvents: SecurityEvents;
  readonly bus: ClusterBus;
  readonly patients: Patients;
  readonly ingest: BatchIngest;
  readonly latestVitals: LatestVitalsCache;
  readonly history: VitalsHistory;
  readonly startedAt: Date;
  /** Called inside every appointment-changing transaction (outbox, video rooms). */
  readonly appointmentHooks: AppointmentHook[];
  /** The table of free slots for the coming weeks (searches read it up to `through()`). */
  readonly openSlots: OpenSlots;
  /** Prometheus metrics of this replica (absent in tests that build a bare context). */
  readonly metrics?: CloudMetrics;
}

export type CloudApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider> & {
  readonly ctx: CloudContext;
};
