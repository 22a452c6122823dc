/**
 * A report worker as its own process: `DATABASE_URL=… node --import tsx cloud/workers/report-worker-main.ts`.
 * Replicas of the service run the same worker in-process; this entry lets reports scale (or be
 * killed, as the crash test does) separately from the HTTP service.
 */
import { runReportWorkerProcess } from './report-worker-process.js';

runReportWorkerProcess();
