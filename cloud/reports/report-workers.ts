import type { CloudContext } from '../context.js';
import { loadReportConfig } from './report-config.js';
import { ReportJobs } from './report-jobs.js';
import { REPORTS_CHANNEL } from './report-routes.js';
import { ReportWorker } from './report-worker.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The service's report worker (one per replica), woken by new jobs through the cluster bus. */
export function reportWorker(logger?: Logger) {
  return (ctx: CloudContext): { stop(): Promise<void> } => {
    const config = loadReportConfig();
    const worker = new ReportWorker(ctx.sql, new ReportJobs(ctx.sql), { leaseMs: config.leaseMs, pollMs: config.pollMs, ...(logger ? { logger } : {}) });
    void ctx.bus.subscribe(REPORTS_CHANNEL, () => worker.wake()).catch(() => {});
    worker.start();
    return { stop: () => worker.stop() };
  };
}
