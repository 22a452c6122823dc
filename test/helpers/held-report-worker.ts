/**
 * The report worker process (cloud/workers/report-worker-main.ts) with a queue that holds each
 * claim: it prints {"claimed": id, "attempt": n} and waits for a line on stdin before handing the
 * job to the worker, so a test can see the job running and kill the process at that very point
 * without guessing at timings.
 */
import { createInterface } from 'node:readline';
import { ReportJobs, type ReportClaim } from '../../cloud/reports/report-jobs.js';
import { runReportWorkerProcess } from '../../cloud/workers/report-worker-process.js';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

class HeldReportJobs extends ReportJobs {
  override async claim(owner: string, leaseMs: number): Promise<ReportClaim | null> {
    const claim = await super.claim(owner, leaseMs);
    if (claim) {
      process.stdout.write(`${JSON.stringify({ claimed: claim.job.id, attempt: claim.attempt })}\n`);
      await lines.next();
    }
    return claim;
  }
}

runReportWorkerProcess({ jobs: (sql) => new HeldReportJobs(sql) });
