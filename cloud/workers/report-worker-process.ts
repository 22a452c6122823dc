import { loadCloudConfig } from '../config.js';
import { connect, type Sql } from '../db/sql.js';
import { ReportJobs } from '../reports/report-jobs.js';
import { ReportWorker } from '../reports/report-worker.js';
import { ReadRouting } from '../db/read-routing.js';

export interface ReportWorkerProcessOptions {
  /** The queue the worker takes its jobs from (default: the report_jobs table as it is). */
  readonly jobs?: (sql: Sql) => ReportJobs;
}

/**
 * Runs one report worker in this process until SIGINT or SIGTERM: prints {"ready": owner} once
 * it is looking for work. The configuration is the service's (DATABASE_URL is required here).
 */
export function runReportWorkerProcess(options: ReportWorkerProcessOptions = {}): void {
  const config = loadCloudConfig();
  if (!config.databaseUrl) {
    console.error('report worker: DATABASE_URL is required');
    process.exit(2);
  }
  const sql = connect(config.databaseUrl, { max: 4, applicationName: 'ward-cloud-report-worker' });
  const jobs = options.jobs?.(sql) ?? new ReportJobs(sql);
  // Report data from the streaming replicas when configured, as the API's history reads.
  const replicas = config.readDatabaseUrls.map((url) => connect(url, { max: 2, applicationName: 'ward-cloud-report-worker-reads' }));
  const reads = new ReadRouting(sql, replicas, { waitMs: config.readWaitMs });
  const worker = new ReportWorker(sql, jobs, { leaseMs: config.reports.leaseMs, pollMs: config.reports.pollMs, reads });
  const stop = async () => {
    await worker.stop();
    await Promise.all([sql, ...replicas].map((pool) => pool.end({ timeout: 5 })));
    process.exit(0);
  };
  // Before saying it is ready: a supervisor may stop it the moment it reads that line.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  worker.start();
  process.stdout.write(`${JSON.stringify({ ready: worker.owner })}\n`);
}
