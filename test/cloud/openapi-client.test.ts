import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportJobs } from '../../cloud/reports/report-jobs.js';
import { ReportWorker } from '../../cloud/reports/report-worker.js';
import { addUser, api, signIn, startTestCloud, TEST_PASSWORD } from '../helpers/cloud-fixture.js';

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, unknown>; $ref?: string }>;
}
interface Document {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/**
 * The OpenAPI document is what client generators read: a client generated from it must work
 * the first time (security declared, downloads typed by media type, a server to call, shared
 * schemas and operation ids that give the generated code names).
 */
describe('OpenAPI document and a client generated from it (real cloud, real sockets)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let doc: Document;
  let username: string;
  let patientId: number;
  let reportId: string;
  const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => ({ path, method, op })));

  beforeAll(async () => {
    cloud = await startTestCloud();
    const { ctx } = cloud.service;
    username = (await addUser(cloud.service, 'physician')).username;
    [{ id: patientId }] = await ctx.sql<[{ id: number }]>`INSERT INTO patients (mrn, name, birth_date) VALUES ('MRN-OAS-1', 'Ada Openapi', '1960-01-02') RETURNING id`;
    const token = (await signIn(cloud.url, username)).accessToken;
    const report = await api<{ id: string }>(cloud.url, '/v1/reports', { method: 'POST', token, body: { kind: 'patient_vitals', patientId, date: '2026-03-04', period: 'day' } });
    reportId = report.body.id;
    await new ReportWorker(ctx.sql, new ReportJobs(ctx.sql), { leaseMs: 30_000, pollMs: 60_000 }).runOnce();
    doc = (await api<Document>(cloud.url, '/v1/openapi.json')).body;
  });
  afterAll(() => cloud.stop());

  it('declares the security of every route: bearer for user routes, the station credential for station routes, none for public ones', () => {
    const byPath = (path: string, method: string) => operations().find((o) => o.path === path && o.method === method)!.op;
    expect(byPath('/v1/patients/{patientId}', 'get').security).toEqual([{ bearer: [] }]);
    expect(byPath('/v1/stations/{stationId}/batches/{batchId}', 'put').security).toEqual([{ station: [] }]);
    expect(operations().filter((o) => o.op.security === undefined).map((o) => `${o.method} ${o.path}`)).toEqual([]);
    const open = operations().filter((o) => o.op.security!.length === 0).map((o) => `${o.method} ${o.path}`);
    expect(open.sort()).toEqual(['get /v1/health', 'post /v1/auth/login', 'post /v1/auth/logout', 'post /v1/auth/refresh']);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'station']);
  });

  it('types the CSV and PDF downloads by media type, names a server, and shares its schemas with operation ids', () => {
    const download = (format: string) => doc.paths[`/v1/reports/{id}/${format}`]!.get!.responses['200']!.content!;
    expect(Object.keys(download('pdf'))).toEqual(['application/pdf']);
    expect(Object.keys(download('csv'))).toEqual(['text/csv']);
    expect(doc.servers).toEqual([{ url: cloud.url, description: expect.any(String) }]);
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.filter((id) => id === undefined)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Error', 'Patient', 'Report', 'Doctor', 'Appointment']));
    expect(Object.keys(doc.components.schemas).filter((name) => name.startsWith('def-'))).toEqual([]);
  });

  it('generates a TypeScript client (openapi-typescript + openapi-fetch) that typechecks with the shared schemas and calls four routes', async () => {
    const dir = mkdtempSync(join(import.meta.dirname, '.generated-client-'));
    try {
      writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc as unknown as OpenAPI3)));
      // Written as an app developer would against the generated types; it must typecheck as is.
      writeFileSync(join(dir, 'client.ts'), `
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

/** The download is declared as a file of its media type (before, no 200 response existed to name). */
export type PdfDownload = paths['/v1/reports/{id}/pdf']['get']['responses'][200]['content']['application/pdf'];

export async function callThreeRoutes(baseUrl: string, username: string, password: string, patientId: number, reportId: string) {
  const client = createClient<paths>({ baseUrl });
  const login = await client.POST('/v1/auth/login', { body: { username, password } });
  if (!login.data) throw new Error('sign-in failed');
  const headers = { authorization: \`Bearer \${login.data.accessToken}\` };
  const patient = await client.GET('/v1/patients/{patientId}', { params: { path: { patientId } }, headers });
  const name: string | undefined = patient.data?.name;
  const report = await client.GET('/v1/reports/{id}', { params: { path: { id: reportId } }, headers });
  const status: components['schemas']['Report']['status'] | undefined = report.data?.status;
  const pdf = await client.GET('/v1/reports/{id}/pdf', { params: { path: { id: reportId } }, headers, parseAs: 'arrayBuffer' });
  return { expiresIn: login.data.expiresIn, name, status, pdfType: pdf.response.headers.get('content-type'), pdf: pdf.data ? new Uint8Array(pdf.data) : null };
}
`);
      const program = ts.createProgram([join(dir, 'client.ts')], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: ['node'], lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'] });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems).toEqual([]);

      const { callThreeRoutes } = (await import(join(dir, 'client.ts'))) as { callThreeRoutes: (...args: unknown[]) => Promise<{ expiresIn: number; name: string; pdfType: string; pdf: Uint8Array | null }> };
      const result = await callThreeRoutes(cloud.url, username, TEST_PASSWORD, patientId, reportId);
      expect(result).toMatchObject({ name: 'Ada Openapi', status: 'done', pdfType: 'application/pdf' });
      expect(result.expiresIn).toBeGreaterThan(0);
      expect(Buffer.from(result.pdf!.subarray(0, 5)).toString()).toBe('%PDF-');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
