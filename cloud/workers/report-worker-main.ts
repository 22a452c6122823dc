/**
 * A report worker as its own process: `DATABASE_URL=… node --import tsx cloud/workers/report-worker-main.ts`.
 * Replicas of the service run the same worker in-process; this entry lets reports scale (or be
 * killed, as the crash test does) separately from the HTTP service.
 *
 * Test hook: with REPORT_WORKER_HOLD_AFTER_CLAIM=1 the worker prints {"claimed": id} after a
 * claim and waits for a line on stdin before producing the report, so a test can observe the
 * job running and kill the process at that point without guessing at timings.
 */
import { createInterface } from 'node:readline';
import { connect } from '../db/sql.js';
import { loadReportConfig } from '../reports/report-config.js';
import { ReportJobs } from '../reports/report-jobs.js';
import { ReportWorker } from '../reports/report-worker.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('report worker: DATABASE_URL is required');
  process.exit(2);
}
const sql = connect(databaseUrl, { max: 4, applicationName: 'ward-cloud-report-worker' });
const config = loadReportConfig();
const hold = process.env.REPORT_WORKER_HOLD_AFTER_CLAIM === '1';
const lines = hold ? createInterface({ input: process.stdin })[Symbol.asyncIterator]() : null;
const worker = new ReportWorker(sql, new ReportJobs(sql), {
  leaseMs: config.leaseMs,
  pollMs: config.pollMs,
  ...(hold
    ? {
        afterClaim: async (claim) => {
          process.stdout.write(`${JSON.stringify({ claimed: claim.job.id, attempt: claim.attempt })}\n`);
          await lines!.next();
        },
      }
    : {}),
});
const stop = async () => {
  await worker.stop();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
// Before saying it is ready: a supervisor may stop it the moment it reads that line.
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
worker.start();
process.stdout.write(`${JSON.stringify({ ready: worker.owner })}\n`);
