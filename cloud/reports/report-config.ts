import { Type, type Static } from '@sinclair/typebox';

/** The reports' environment variables (part of the cloud's one validated configuration). */
export const ReportEnv = Type.Object({
  CLOUD_REPORT_RETENTION_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 168 }),
  CLOUD_REPORT_LEASE_SECONDS: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
  CLOUD_REPORT_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  CLOUD_REPORT_POLL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 2000 }),
});

export interface ReportConfig {
  /** A finished (or failed) report is deleted this long after it was requested. */
  readonly retentionMs: number;
  /** A worker must renew its claim within this time or another worker may take the job. */
  readonly leaseMs: number;
  /** Claims of one job before it is marked failed (a report that kills its worker every time). */
  readonly maxAttempts: number;
  /** How often an idle worker looks for work (new jobs also wake it through the cluster bus). */
  readonly pollMs: number;
}

/** README "Cloud: reports, notifications and video". */
export function reportConfigFrom(env: Static<typeof ReportEnv>): ReportConfig {
  return {
    retentionMs: env.CLOUD_REPORT_RETENTION_HOURS * 3_600_000,
    leaseMs: env.CLOUD_REPORT_LEASE_SECONDS * 1000,
    maxAttempts: env.CLOUD_REPORT_MAX_ATTEMPTS,
    pollMs: env.CLOUD_REPORT_POLL_MS,
  };
}
