import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { CloudApp } from '../context.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';
import { isTimeZone } from './local-time.js';
import { ReportJobs, type ReportFormat, type ReportJob } from './report-jobs.js';

export const REPORTS_CHANNEL = 'report_jobs';
const STAFF: readonly ('physician' | 'nurse' | 'admin')[] = ['physician', 'nurse', 'admin'];
const MAX_RANGE_MS = 31 * 86_400_000;
/** Reports one person may have waiting or running at once: a runaway client cannot fill the queue. */
const MAX_ACTIVE_PER_USER = 20;
const ACTIVE_FOR_USER = `SELECT count(*)::int AS active FROM report_jobs WHERE requested_by = $1 AND status IN ('queued', 'running')`;
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const TimeZone = Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the period and of every time in the PDF (default UTC)', examples: ['Europe/Berlin'] }));

const ReportRequest = Type.Union([
  Type.Object({ kind: Type.Literal('patient_vitals'), patientId: Type.Integer({ minimum: 1 }), date: Day, period: Type.Union([Type.Literal('day'), Type.Literal('week')]), timeZone: TimeZone }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('ward_alarms'), stationId: Type.String({ minLength: 1, maxLength: 64 }), from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), timeZone: TimeZone }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('doctor_appointments'), doctorId: Type.Integer({ minimum: 1 }), date: Day }, { additionalProperties: false }),
]);
type ReportRequest = Static<typeof ReportRequest>;

const ReportView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  params: Type.Record(Type.String(), Type.Unknown()),
  attempts: Type.Integer(),
  failure: Type.Union([Type.String(), Type.Null()]),
  summary: Type.Unknown(),
  rowCount: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String(),
  downloads: Type.Union([Type.Object({ csv: Type.String(), pdf: Type.String() }), Type.Null()]),
}, { $id: 'Report' });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

function view(job: ReportJob) {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    params: job.params,
    attempts: job.attempts,
    failure: job.failure,
    summary: job.summary ?? null,
    rowCount: job.rowCount,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    expiresAt: job.expiresAt.toISOString(),
    downloads: job.status === 'done' ? { csv: `/v1/reports/${job.id}/csv`, pdf: `/v1/reports/${job.id}/pdf` } : null,
  };
}

const CONTENT: Record<ReportFormat, string> = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' };

/**
 * Reports are asynchronous: POST queues a job and answers 202 at once; a worker (ReportWorker,
 * any replica) produces it. Only the requester, or an admin, may read one.
 */
export function registerReportRoutes(app: CloudApp): void {
  const { sql, patients, audit, bus } = app.ctx;
  const config = app.ctx.config.reports;
  const jobs = new ReportJobs(sql);
  app.addSchema(ReportView);

  async function validate(body: ReportRequest): Promise<number | null> {
    if ('timeZone' in body && body.timeZone !== undefined && !isTimeZone(body.timeZone)) throw new ApiError('invalid_request', `unknown time zone ${JSON.stringify(body.timeZone)}`);
    if (body.kind === 'patient_vitals') {
      if (!(await patients.exists(body.patientId))) throw new ApiError('patient_not_found', `no patient with id ${body.patientId}`);
      return body.patientId;
    }
    if (body.kind === 'ward_alarms') {
      const from = Date.parse(body.from);
      const to = Date.parse(body.to);
      if (!(from < to) || to - from > MAX_RANGE_MS) throw new ApiError('invalid_request', 'from must be before to, at most 31 days apart');
      if ((await run(sql, 'SELECT 1 FROM stations WHERE id = $1', [body.stationId])).length === 0) throw new ApiError('station_not_found', `no ward station ${body.stationId}`);
      return null;
    }
    if ((await run(sql, 'SELECT 1 FROM doctors WHERE id = $1', [body.doctorId])).length === 0) throw new ApiError('not_found', `no doctor with id ${body.doctorId}`);
    return null;
  }

  async function readable(id: string, request: Parameters<typeof userOf>[0]): Promise<ReportJob> {
    const user = userOf(request);
    const job = await jobs.get(id);
    if (!job) throw new ApiError('report_not_found', `no report ${id} (reports are deleted after their retention period)`);
    if (job.requestedBy !== user.userId && user.role !== 'admin') throw new ApiError('forbidden', 'only the person who asked for a report, or an administrator, may read it');
    return job;
  }

  app.post('/v1/reports', {
    config: { access: STAFF },
    schema: {
      tags: ['reports'],
      summary: 'Queue a report (patient vitals for a day or week, ward alarm summary, doctor appointment list); 202 with its id',
      body: ReportRequest,
      response: { 202: Type.Ref('Report'), ...errorResponses },
    },
  }, async (request, reply) => {
    const user = userOf(request);
    const body = request.body;
    const patientId = await validate(body);
    const [{ active }] = (await run<{ active: number }>(sql, ACTIVE_FOR_USER, [user.userId])) as [{ active: number }];
    if (active >= MAX_ACTIVE_PER_USER) throw new ApiError('too_many_attempts', `you already have ${active} reports waiting; wait for them to finish`, { 'retry-after': '30' });
    const { kind, ...params } = body;
    const job = await jobs.create(kind, params, user.userId, { maxAttempts: config.maxAttempts, retentionMs: config.retentionMs });
    // Ward and doctor reports name many patients: audited too, without a single patient id.
    audit.record({ actorType: 'user', actorId: String(user.userId), action: 'report.request', patientId, detail: { report: job.id, kind } });
    await bus.publish(REPORTS_CHANNEL, job.id).catch(() => {});
    return reply.status(202).header('location', `/v1/reports/${job.id}`).send(view(job));
  });

  app.get('/v1/reports', {
    config: { access: STAFF },
    schema: { tags: ['reports'], summary: 'My reports, newest first (keyset pages)', querystring: Type.Object({ ...PageQuery }), response: { 200: Page(Type.Ref('Report')), ...errorResponses } },
  }, async (request) => {
    const user = userOf(request);
    const limit = request.query.limit ?? 20;
    const after = decodeCursor(request.query.cursor, ['string', 'string']);
    const rows = await jobs.listFor(user.userId, after ? { createdAt: new Date(after[0] as string), id: after[1] as string } : null, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(view), nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  });

  app.get('/v1/reports/:id', {
    config: { access: STAFF },
    schema: { tags: ['reports'], summary: 'Status of a report: queued, running, done (with download links) or failed (with the reason)', params: IdParams, response: { 200: Type.Ref('Report'), ...errorResponses } },
  }, async (request) => view(await readable(request.params.id, request)));

  for (const format of ['csv', 'pdf'] as const) {
    app.get(`/v1/reports/:id/${format}`, {
      config: { access: STAFF },
      schema: {
        tags: ['reports'],
        summary: `Download a finished report as ${format.toUpperCase()} (streamed)`,
        params: IdParams,
        // Declared by media type, so that generated clients read the body as a file, not JSON.
        response: { 200: { description: `The report as ${format.toUpperCase()}`, content: { [CONTENT[format].split(';')[0]!]: { schema: { type: 'string', format: 'binary' } } } }, ...errorResponses },
      },
    }, async (request, reply: FastifyReply) => {
      const job = await readable((request.params as Static<typeof IdParams>).id, request);
      if (job.status !== 'done') throw new ApiError('report_not_ready', `the report is ${job.status}${job.failure ? `: ${job.failure}` : ''}`);
      const patientId = typeof job.params.patientId === 'number' ? job.params.patientId : null;
      audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'report.download', patientId, detail: { report: job.id, kind: job.kind, format } });
      return reply
        .header('content-type', CONTENT[format])
        .header('content-disposition', `attachment; filename="report-${job.kind}-${job.id}.${format}"`)
        .send(jobs.download(job, format));
    });
  }
}
