import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Sql } from '../db/sql.js';
import { ChunkSink } from './chunk-sink.js';
import { csvLine } from './csv.js';
import { renderPdf } from './pdf-document.js';
import { REPORT_GENERATORS } from './report-generators.js';
import type { ReportClaim, ReportJobs } from './report-jobs.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReportWorkerOptions {
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly owner?: string;
  readonly logger?: Logger;
  /** Test hook, run right after a claim: lets a test hold a worker with its job "running". */
  readonly afterClaim?: (claim: ReportClaim) => Promise<void>;
  /** How often expired reports are deleted. */
  readonly cleanupEveryMs?: number;
}

/** Errors of the connection, not of the report: leave the job to be retried after its lease. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('CONNECTION') || code.startsWith('ECONN') || code === '57P01');
}

/** This worker's claim was taken over (its lease had expired): the other worker owns the job now. */
class LeaseLostError extends Error {}

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Produces reports off the request path (device review #10). Each replica runs one; they share
 * the queue through claims (FOR UPDATE SKIP LOCKED) with a lease the worker renews while it
 * works. A worker that dies stops renewing and another takes the job once the lease has expired;
 * output is fenced by attempt, so a late worker cannot mix its chunks into a newer attempt's.
 */
export class ReportWorker {
  readonly owner: string;
  private readonly logger: Logger;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  /** A wake-up that came while working: the next idle returns at once instead of losing it. */
  private woken = false;
  private lastCleanup = 0;

  constructor(
    private readonly sql: Sql,
    private readonly jobs: ReportJobs,
    private readonly options: ReportWorkerOptions,
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.logger = options.logger ?? silent;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** A new job was queued (cluster bus): look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  /** Claims and produces at most one report; null when there was nothing to do. */
  async runOnce(): Promise<ReportClaim | null> {
    const claim = await this.jobs.claim(this.owner, this.options.leaseMs);
    if (!claim) return null;
    await this.options.afterClaim?.(claim);
    let lost = false;
    const renewal = setInterval(() => {
      this.jobs.renew(claim, this.options.leaseMs).then(
        (ok) => (lost ||= !ok),
        () => {},
      );
    }, Math.max(1000, this.options.leaseMs / 3));
    try {
      await this.produce(claim, () => lost);
      this.logger.info({ report: claim.job.id, kind: claim.job.kind, attempt: claim.attempt }, 'report done');
    } catch (error) {
      if (lost || error instanceof LeaseLostError || isTransient(error)) {
        this.logger.warn({ report: claim.job.id, err: (error as Error).message }, 'report interrupted; it will be retried after its lease');
      } else {
        this.logger.error({ report: claim.job.id, err: (error as Error).message }, 'report failed');
        await this.jobs.fail(claim, (error as Error).message);
      }
    } finally {
      clearInterval(renewal);
    }
    return claim;
  }

  private async produce(claim: ReportClaim, lost: () => boolean): Promise<void> {
    const generator = REPORT_GENERATORS[claim.job.kind];
    const csv = new ChunkSink(this.jobs, claim, 'csv');
    await csv.write(csvLine(generator.csvColumns));
    const model = await generator.generate(this.sql, claim.job.params as never, async (cells) => {
      if (lost()) throw new LeaseLostError('lease lost');
      await csv.write(csvLine(cells));
    });
    await csv.end();
    const pdf = new ChunkSink(this.jobs, claim, 'pdf');
    await renderPdf(model, (chunk) => pdf.write(chunk));
    await pdf.end();
    if (!(await this.jobs.finish(claim, model.summary, model.rowCount))) throw new LeaseLostError('lease lost before completion');
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      this.woken = false;
      try {
        worked = (await this.runOnce()) !== null;
        const now = Date.now();
        if (now - this.lastCleanup >= (this.options.cleanupEveryMs ?? 60_000)) {
          this.lastCleanup = now;
          const deleted = await this.jobs.deleteExpired();
          if (deleted > 0) this.logger.info({ deleted }, 'expired reports deleted');
        }
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'report worker: database trouble; trying again');
      }
      if (!worked && !this.stopped) await this.idle(this.options.pollMs);
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
