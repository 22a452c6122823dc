import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';

export const PatientSchema = Type.Object(
  { id: Type.Integer(), mrn: Type.String(), name: Type.String(), birthDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]) },
  { $id: 'Patient' },
);

/** Clinical staff read patients; every read is audited. */
export const CLINICAL: readonly ('physician' | 'nurse')[] = ['physician', 'nurse'];

export function registerPatientRoutes(app: CloudApp): void {
  const { patients, audit } = app.ctx;

  app.get('/v1/patients', {
    config: { access: CLINICAL },
    schema: {
      tags: ['patients'],
      summary: 'Patients by name (keyset pages); q = name prefix or exact MRN',
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })), ...PageQuery }),
      response: { 200: Page(PatientSchema), ...errorResponses },
    },
  }, async (request) => {
    const page = await patients.list({ q: request.query.q, cursor: request.query.cursor, limit: request.query.limit ?? 20 });
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'patient.search', patientId: null, detail: { patientIds: page.items.map((p) => p.id) } });
    return page;
  });

  app.get('/v1/patients/identity-conflicts', {
    config: { access: CLINICAL },
    schema: {
      tags: ['patients'],
      summary: 'MRNs a station named with another name or birth date than the cloud has (vitals were stored under the MRN)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({
            id: Type.Integer(), at: Type.String({ format: 'date-time' }), patientId: Type.Integer(), mrn: Type.String(), stationId: Type.String(),
            cloudName: Type.String(), cloudBirthDate: Type.Union([Type.String(), Type.Null()]), stationName: Type.String(), stationBirthDate: Type.Union([Type.String(), Type.Null()]),
          })),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const items = await patients.conflicts(request.query.limit ?? 100);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'patient.identity_conflicts', patientId: null, detail: { patientIds: items.map((c) => c.patientId) } });
    return { items };
  });

  app.get('/v1/patients/:patientId', {
    config: { access: CLINICAL },
    schema: { tags: ['patients'], summary: 'One patient', params: Type.Object({ patientId: Type.Integer({ minimum: 1 }) }), response: { 200: PatientSchema, ...errorResponses } },
  }, async (request) => {
    const patient = await patients.get(request.params.patientId);
    if (!patient) throw new ApiError('patient_not_found', `no patient with id ${request.params.patientId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'patient.read', patientId: patient.id });
    return patient;
  });
}
