import type { DiagnosticReport } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { ReportJobs, type ReportJob } from '../reports/report-jobs.js';
import type { FhirCall, ResourceRoute } from './resource-route.js';
import { referenceId } from './search-params.js';
import { LOINC } from './vital-signs.js';

const STAFF = ['physician', 'nurse', 'admin'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Finished patient vitals reports of patient $1, newest first, keyset (created_at, id) after
 * ($3, $4); only the caller's own ($2), or everyone's for an administrator ($2 null), as the
 * REST API's rule for reading a report. Not yet expired.
 */
export const SEARCH_REPORTS = `
SELECT id, kind, params, requested_by AS "requestedBy", status, created_at AS "createdAt", finished_at AS "finishedAt", expires_at AS "expiresAt"
FROM report_jobs
WHERE kind = 'patient_vitals' AND status = 'done' AND params->>'patientId' = $1::text AND expires_at > now()
  AND ($2::bigint IS NULL OR requested_by = $2::bigint)
  AND (created_at, id) < ($3::text::timestamptz, $4::text::uuid)
ORDER BY created_at DESC, id DESC
LIMIT $5`;

type ReportRow = Pick<ReportJob, 'id' | 'kind' | 'params' | 'requestedBy' | 'status' | 'createdAt' | 'finishedAt' | 'expiresAt'>;

const TITLE: Record<ReportJob['kind'], string> = { patient_vitals: 'Patient vitals report', ward_alarms: 'Ward alarm summary', doctor_appointments: 'Doctor appointment list' };

function period(params: Record<string, unknown>): DiagnosticReport['effectivePeriod'] | undefined {
  if (typeof params.date === 'string') {
    const days = params.period === 'week' ? 7 : 1;
    const end = new Date(Date.parse(`${params.date}T00:00:00Z`) + (days - 1) * 86_400_000).toISOString().slice(0, 10);
    return { start: params.date, end };
  }
  if (typeof params.from === 'string' && typeof params.to === 'string') return { start: params.from, end: params.to };
  return undefined;
}

/** A finished report; its PDF (and CSV) are attachment links to the REST downloads (same access rule). */
export function diagnosticReportResource(job: ReportRow, restBase: string): DiagnosticReport {
  const patientId = typeof job.params.patientId === 'number' ? job.params.patientId : null;
  const effectivePeriod = period(job.params);
  return {
    resourceType: 'DiagnosticReport',
    id: job.id,
    status: 'final',
    code: { ...(job.kind === 'patient_vitals' ? { coding: [{ system: LOINC, code: '8716-3', display: 'Vital signs' }] } : {}), text: TITLE[job.kind] },
    ...(patientId !== null ? { subject: { reference: `Patient/${patientId}` } } : {}),
    ...(effectivePeriod ? { effectivePeriod } : {}),
    issued: (job.finishedAt ?? job.createdAt).toISOString(),
    presentedForm: [
      { contentType: 'application/pdf', url: `${restBase}/v1/reports/${job.id}/pdf`, title: `${TITLE[job.kind]} (PDF)`, creation: (job.finishedAt ?? job.createdAt).toISOString() },
      { contentType: 'text/csv', url: `${restBase}/v1/reports/${job.id}/csv`, title: `${TITLE[job.kind]} (CSV)` },
    ],
  };
}

/** The REST API's origin (the facade's base without /fhir/R4): attachment links point there. */
const restBaseOf = (call: FhirCall): string => call.base.replace(/\/fhir\/R4$/, '');

export const diagnosticReportRoute: ResourceRoute<DiagnosticReport> = {
  type: 'DiagnosticReport',
  access: STAFF,
  documentation: 'Finished reports (GET /v1/reports/{id} when done), with the PDF and CSV as attachment links (presentedForm.url, Bearer token needed). Only the requester, or an administrator, reads one. Audited (report.read).',
  async read(call, id) {
    if (!UUID.test(id)) return null;
    const job = await new ReportJobs(call.ctx.sql).get(id);
    if (!job || job.status !== 'done') return null;
    if (job.requestedBy !== call.user.userId && call.user.role !== 'admin') throw new ApiError('forbidden', 'only the person who asked for a report, or an administrator, may read it');
    const patientId = typeof job.params.patientId === 'number' ? job.params.patientId : null;
    call.audit('report.read', patientId, { report: job.id, kind: job.kind, via: 'fhir' });
    return diagnosticReportResource(job, restBaseOf(call));
  },
  search: {
    pageSize: { default: 20, max: 100 },
    params: [{ name: 'patient', type: 'reference', required: true, definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient', documentation: "Required: Patient/id. The patient's finished vitals reports that the caller asked for (all of them for an administrator), newest first." }],
    async run(call, query, page) {
      const patientId = referenceId(query.one('patient')!, 'Patient', 'patient');
      const after = decodeCursor(page.cursor, ['string', 'string']);
      if (after && !UUID.test(String(after[1]))) throw new ApiError('invalid_request', 'cursor is not one this service made');
      const requester = call.user.role === 'admin' ? null : call.user.userId;
      const rows = await run<ReportRow>(call.ctx.sql, SEARCH_REPORTS, [patientId, requester, after?.[0] ?? 'infinity', after?.[1] ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff', page.count + 1]);
      const items = rows.slice(0, page.count);
      const last = items[items.length - 1];
      call.audit('report.read', patientId, { reports: items.map((r) => r.id), via: 'fhir' });
      return { resources: items.map((r) => diagnosticReportResource(r, restBaseOf(call))), nextCursor: rows.length > page.count && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
    },
  },
};
