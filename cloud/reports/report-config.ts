import type { CloudEnv } from '../config.js';

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
export function reportConfigFrom(env: CloudEnv): ReportConfig {
  return {
    retentionMs: env.CLOUD_REPORT_RETENTION_HOURS * 3_600_000,
    leaseMs: env.CLOUD_REPORT_LEASE_SECONDS * 1000,
    maxAttempts: env.CLOUD_REPORT_MAX_ATTEMPTS,
    pollMs: env.CLOUD_REPORT_POLL_MS,
  };
}
