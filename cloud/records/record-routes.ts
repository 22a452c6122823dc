import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';
import { CLINICAL } from '../patients/patient-routes.js';
import { MedicalRecords, RECORD_TYPES } from './medical-records.js';
import { registerPatientRegistrationRoutes } from './patient-registration.js';

const RecordType = Type.Union(RECORD_TYPES.map((t) => Type.Literal(t)));
const RecordSchema = Type.Object(
  {
    id: Type.Integer(),
    patientId: Type.Integer(),
    type: RecordType,
    authorId: Type.Integer(),
    authorName: Type.String(),
    createdAt: Type.String({ description: 'ISO-8601 UTC, microseconds' }),
    body: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'MedicalRecord' },
);
const PatientParams = Type.Object({ patientId: Type.Integer({ minimum: 1 }) });

/**
 * Medical records. Physicians write them (admins run the service, they do not write clinical
 * notes); physicians and nurses read them; every read and write is audited.
 */
export function registerRecordRoutes(app: CloudApp): void {
  const { sql, patients, audit } = app.ctx;
  const records = new MedicalRecords(sql);
  app.addSchema(RecordSchema);
  registerPatientRegistrationRoutes(app);

  app.post('/v1/patients/:patientId/records', {
    config: { access: ['physician'] },
    bodyLimit: 512 * 1024,
    schema: {
      tags: ['records'],
      summary: 'Add a medical record (append-only: a correction is a new record)',
      params: PatientParams,
      body: Type.Object({ type: RecordType, body: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }),
      response: { 201: Type.Ref('MedicalRecord'), ...errorResponses },
    },
  }, async (request, reply) => {
    const user = userOf(request);
    const record = await records.create(request.params.patientId, request.body.type, user.userId, request.body.body);
    audit.record({ actorType: 'user', actorId: String(user.userId), action: 'record.create', patientId: record.patientId, detail: { recordId: record.id } });
    return reply.status(201).send(record);
  });

  app.get('/v1/patients/:patientId/records', {
    config: { access: CLINICAL },
    schema: {
      tags: ['records'],
      summary: "A patient's records, newest first (keyset pages), filtered by type and created_at range [from, to)",
      params: PatientParams,
      querystring: Type.Object({
        type: Type.Optional(RecordType),
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
        ...PageQuery,
      }),
      response: { 200: Page(Type.Ref('MedicalRecord')), ...errorResponses },
    },
  }, async (request) => {
    const { patientId } = request.params;
    const { type, from, to, cursor, limit } = request.query;
    const page = await records.list(patientId, { type, from, to, cursor, limit: limit ?? 20 });
    // Only an empty first page needs to tell "no records" from "no patient".
    if (page.items.length === 0 && !(await patients.exists(patientId))) throw new ApiError('patient_not_found', `no patient with id ${patientId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'records.list', patientId, detail: { recordIds: page.items.map((r) => r.id) } });
    return page;
  });

  app.get('/v1/records/:recordId', {
    config: { access: CLINICAL },
    schema: { tags: ['records'], summary: 'One medical record', params: Type.Object({ recordId: Type.Integer({ minimum: 1 }) }), response: { 200: Type.Ref('MedicalRecord'), ...errorResponses } },
  }, async (request) => {
    const record = await records.get(request.params.recordId);
    if (!record) throw new ApiError('record_not_found', `no medical record with id ${request.params.recordId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'record.read', patientId: record.patientId, detail: { recordId: record.id } });
    return record;
  });
}
