import type { CloudContext } from '../context.js';
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
    const config = ctx.config.reports;
    const worker = new ReportWorker(ctx.sql, new ReportJobs(ctx.sql), { leaseMs: config.leaseMs, pollMs: config.pollMs, reads: ctx.reads, ...(logger ? { logger } : {}) });
    // Listen first, then look: a job queued before the subscription is found by the first claim,
    // one queued after it wakes the worker.
    void ctx.bus
      .subscribe(REPORTS_CHANNEL, () => worker.wake())
      .catch((error: Error) => logger?.warn({ err: error.message }, 'report worker: no wake-ups from the cluster bus; polling only'))
      .finally(() => worker.start());
    return { stop: () => worker.stop() };
  };
}
