import { Readable } from 'node:stream';
import { run, type Sql } from '../db/sql.js';
import { reportDoneEvent } from '../webhooks/change-events.js';
import { enqueueWebhookEvents } from '../webhooks/webhook-outbox.js';
import { streamRows } from './stream-rows.js';

export type ReportKind = 'patient_vitals' | 'ward_alarms' | 'doctor_appointments';
export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';
export type ReportFormat = 'csv' | 'pdf';

export interface ReportJob {
  readonly id: string;
  readonly kind: ReportKind;
  readonly params: Record<string, unknown>;
  readonly requestedBy: number;
  readonly status: ReportStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly failure: string | null;
  readonly summary: unknown;
  readonly rowCount: number | null;
  readonly outputAttempt: number | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  readonly expiresAt: Date;
}

/** A claim: the job plus the attempt number that fences this worker's writes. */
export interface ReportClaim {
  readonly job: ReportJob;
  readonly owner: string;
  readonly attempt: number;
}

const COLUMNS = `id, kind, params, requested_by AS "requestedBy", status, attempts, max_attempts AS "maxAttempts", failure, summary,
  row_count AS "rowCount", output_attempt AS "outputAttempt", created_at AS "createdAt", finished_at AS "finishedAt", expires_at AS "expiresAt"`;

export const INSERT_REPORT = `
INSERT INTO report_jobs (kind, params, requested_by, max_attempts, created_at, expires_at)
VALUES ($1, $2::text::jsonb, $3, $4, $5, $6)
RETURNING ${COLUMNS}`;

export const GET_REPORT = `SELECT ${COLUMNS} FROM report_jobs WHERE id = $1`;

/** A person's reports, newest first, keyset (created_at, id) on report_jobs_requester. */
export const LIST_REPORTS = `
SELECT ${COLUMNS} FROM report_jobs
WHERE requested_by = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4`;

/**
 * One claimable job: queued, or running with an expired lease (its worker died or hung). SKIP
 * LOCKED lets replicas claim concurrently without waiting on each other or taking the same job.
 * A job already claimed max_attempts times is not taken again (see GIVE_UP_REPORTS).
 */
export const CLAIM_REPORT = `
UPDATE report_jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $3,
  started_at = COALESCE(started_at, $2)
WHERE id = (
  SELECT id FROM report_jobs
  WHERE (status = 'queued' OR (status = 'running' AND lease_until < $2)) AND attempts < max_attempts
  ORDER BY created_at
  FOR UPDATE SKIP LOCKED
  LIMIT 1)
RETURNING ${COLUMNS}`;

/** Jobs whose every attempt died with its worker: failed, with the reason. */
export const GIVE_UP_REPORTS = `
UPDATE report_jobs SET status = 'failed', finished_at = $1, lease_owner = NULL, lease_until = NULL,
  failure = 'the report stopped its worker ' || attempts || ' times; giving up'
WHERE status = 'running' AND lease_until < $1 AND attempts >= max_attempts`;

export const RENEW_LEASE = `
UPDATE report_jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING 1 AS ok`;

/** Completion is fenced by owner and attempt: a worker that lost its lease cannot overwrite. */
export const FINISH_REPORT = `
UPDATE report_jobs SET status = 'done', finished_at = $4, summary = $5::text::jsonb, row_count = $6, output_attempt = $3,
  lease_owner = NULL, lease_until = NULL
WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 'running' RETURNING 1 AS ok`;

export const FAIL_REPORT = `
UPDATE report_jobs SET status = 'failed', finished_at = $4, failure = $5, lease_owner = NULL, lease_until = NULL
WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 'running' RETURNING 1 AS ok`;

export const REPORT_DONE_CHANNEL = 'report_done';
export const DELETE_OTHER_ATTEMPTS = `DELETE FROM report_chunks WHERE report_id = $1 AND attempt <> $2`;
export const INSERT_CHUNK = `INSERT INTO report_chunks (report_id, attempt, format, seq, data) VALUES ($1, $2, $3, $4, $5)`;
export const READ_CHUNKS = `SELECT data FROM report_chunks WHERE report_id = $1 AND attempt = $2 AND format = $3 ORDER BY seq`;
export const DELETE_EXPIRED = `DELETE FROM report_jobs WHERE id IN (SELECT id FROM report_jobs WHERE expires_at < $1 LIMIT 1000) RETURNING 1 AS deleted`;

/** The report_jobs table: requests, claims with leases, output chunks, retention. */
export class ReportJobs {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async create(kind: ReportKind, params: Record<string, unknown>, requestedBy: number, options: { maxAttempts: number; retentionMs: number }): Promise<ReportJob> {
    const now = this.now();
    const [job] = await run<ReportJob>(this.sql, INSERT_REPORT, [kind, JSON.stringify(params), requestedBy, options.maxAttempts, new Date(now), new Date(now + options.retentionMs)]);
    return job!;
  }

  async listFor(userId: number, after: { createdAt: Date; id: string } | null, limit: number): Promise<ReportJob[]> {
    return run<ReportJob>(this.sql, LIST_REPORTS, [userId, after?.createdAt ?? null, after?.id ?? null, limit]);
  }

  async get(id: string): Promise<ReportJob | null> {
    const [job] = await run<ReportJob>(this.sql, GET_REPORT, [id]);
    return job ?? null;
  }

  async claim(owner: string, leaseMs: number): Promise<ReportClaim | null> {
    const now = this.now();
    await run(this.sql, GIVE_UP_REPORTS, [new Date(now)]);
    const [job] = await run<ReportJob>(this.sql, CLAIM_REPORT, [owner, new Date(now), new Date(now + leaseMs)]);
    return job ? { job, owner, attempt: job.attempts } : null;
  }

  /** false: the lease was lost (another worker took the job); stop working on it. */
  async renew(claim: ReportClaim, leaseMs: number): Promise<boolean> {
    const rows = await run(this.sql, RENEW_LEASE, [claim.job.id, claim.owner, new Date(this.now() + leaseMs)]);
    return rows.length === 1;
  }

  async writeChunk(claim: ReportClaim, format: ReportFormat, seq: number, data: Buffer): Promise<void> {
    await run(this.sql, INSERT_CHUNK, [claim.job.id, claim.attempt, format, seq, data]);
  }

  async finish(claim: ReportClaim, summary: unknown, rowCount: number): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      const done = await run(tx, FINISH_REPORT, [claim.job.id, claim.owner, claim.attempt, new Date(this.now()), JSON.stringify(summary), rowCount]);
      if (done.length === 0) return false;
      await run(tx, DELETE_OTHER_ATTEMPTS, [claim.job.id, claim.attempt]);
      // Delivered at commit: whoever waits for this report (a UI push, a test) hears it at once.
      await run(tx, 'SELECT pg_notify($1, $2)', [REPORT_DONE_CHANNEL, claim.job.id]);
      await enqueueWebhookEvents(tx, [reportDoneEvent(claim.job, rowCount)], this.now());
      return true;
    });
  }

  async fail(claim: ReportClaim, reason: string): Promise<void> {
    await run(this.sql, FAIL_REPORT, [claim.job.id, claim.owner, claim.attempt, new Date(this.now()), reason.slice(0, 500)]);
  }

  /** Deletes reports past their retention (chunks go with them); returns how many. */
  async deleteExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = (await run(this.sql, DELETE_EXPIRED, [new Date(this.now())])).length;
      total += deleted;
      if (deleted < 1000) return total;
    }
  }

  /** The output as a stream of chunks read a few at a time (a cursor), never whole. */
  download(job: ReportJob, format: ReportFormat): Readable {
    const sql = this.sql;
    async function* chunks(): AsyncGenerator<Buffer> {
      for await (const rows of streamRows<{ data: Buffer }>(sql, READ_CHUNKS, [job.id, job.outputAttempt, format], 4)) {
        for (const row of rows) yield row.data;
      }
    }
    return Readable.from(chunks());
  }
}
