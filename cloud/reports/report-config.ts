import { envInteger } from '../config.js';
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

/** From the environment (README "Cloud: reports, notifications and video"). */
export function loadReportConfig(env: NodeJS.ProcessEnv = process.env): ReportConfig {
  return {
    retentionMs: envInteger(env, 'CLOUD_REPORT_RETENTION_HOURS', 168, 1, 24 * 365) * 3_600_000,
    leaseMs: envInteger(env, 'CLOUD_REPORT_LEASE_SECONDS', 60, 5, 3600) * 1000,
    maxAttempts: envInteger(env, 'CLOUD_REPORT_MAX_ATTEMPTS', 3, 1, 20),
    pollMs: envInteger(env, 'CLOUD_REPORT_POLL_MS', 2000, 50, 600_000),
  };
}
