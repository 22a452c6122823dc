import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { errorResponses } from '../http/schemas.js';

const Demographics = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  birthDate: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
  sex: Type.Optional(Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('other'), Type.Literal('unknown'), Type.Null()])),
  email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
  phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+?[0-9 ()-]{3,32}$' }), Type.Null()])),
};
const RegisteredPatient = Type.Object({
  id: Type.Integer(), mrn: Type.String(), name: Type.String(), birthDate: Type.Union([Type.String(), Type.Null()]),
  sex: Type.Union([Type.String(), Type.Null()]), email: Type.Union([Type.String(), Type.Null()]), phone: Type.Union([Type.String(), Type.Null()]),
});

interface PatientRow {
  id: number;
  mrn: string;
  name: string;
  birthDate: string | null;
  sex: string | null;
  email: string | null;
  phone: string | null;
}

const COLUMNS = `id, mrn, name, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", sex, email, phone`;

/**
 * Registering a patient with demographics and contact details (stations create patients from
 * their MRN alone; booking needs the rest). Staff register and correct; every read is audited.
 */
export function registerPatientRegistrationRoutes(app: CloudApp): void {
  const { sql, audit } = app.ctx;

  app.post('/v1/patients', {
    config: { access: ['physician', 'nurse', 'admin'] },
    schema: {
      tags: ['patients'],
      summary: 'Register a patient (MRN unique) with demographics and contact details',
      body: Type.Object({ mrn: Type.String({ minLength: 1, maxLength: 64 }), ...Demographics }, { additionalProperties: false }),
      response: { 201: RegisteredPatient, ...errorResponses },
    },
  }, async (request, reply) => {
    const b = request.body;
    try {
      const [patient] = await sql<PatientRow[]>`
        INSERT INTO patients (mrn, name, birth_date, sex, email, phone) VALUES (${b.mrn}, ${b.name}, ${b.birthDate ?? null}, ${b.sex ?? null}, ${b.email ?? null}, ${b.phone ?? null})
        RETURNING ${sql.unsafe(COLUMNS)}`;
      audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'patient.register', patientId: patient!.id });
      return reply.status(201).send(patient);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ApiError('mrn_taken', `a patient with MRN ${b.mrn} exists already`);
      throw error;
    }
  });

  app.get('/v1/patients/:patientId/demographics', {
    config: { access: ['physician', 'nurse', 'admin'] },
    schema: { tags: ['patients'], summary: 'Demographics and contact details', params: Type.Object({ patientId: Type.Integer({ minimum: 1 }) }), response: { 200: RegisteredPatient, ...errorResponses } },
  }, async (request) => {
    const [patient] = await sql<PatientRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM patients WHERE id = ${request.params.patientId}`;
    if (!patient) throw new ApiError('patient_not_found', `no patient with id ${request.params.patientId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'patient.demographics.read', patientId: request.params.patientId });
    return patient;
  });

  app.patch('/v1/patients/:patientId/demographics', {
    config: { access: ['physician', 'nurse', 'admin'] },
    schema: {
      tags: ['patients'],
      summary: 'Correct demographics or contact details (only the fields given)',
      params: Type.Object({ patientId: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({ name: Type.Optional(Demographics.name), birthDate: Demographics.birthDate, sex: Demographics.sex, email: Demographics.email, phone: Demographics.phone }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: RegisteredPatient, ...errorResponses },
    },
  }, async (request) => {
    const b = request.body;
    const has = (key: keyof typeof b) => Object.prototype.hasOwnProperty.call(b, key);
    const [patient] = await sql<PatientRow[]>`
      UPDATE patients SET
        name = CASE WHEN ${has('name')} THEN ${b.name ?? null}::text ELSE name END,
        birth_date = CASE WHEN ${has('birthDate')} THEN ${b.birthDate ?? null}::date ELSE birth_date END,
        sex = CASE WHEN ${has('sex')} THEN ${b.sex ?? null}::text ELSE sex END,
        email = CASE WHEN ${has('email')} THEN ${b.email ?? null}::text ELSE email END,
        phone = CASE WHEN ${has('phone')} THEN ${b.phone ?? null}::text ELSE phone END,
        updated_at = now()
      WHERE id = ${request.params.patientId}
      RETURNING ${sql.unsafe(COLUMNS)}`;
    if (!patient) throw new ApiError('patient_not_found', `no patient with id ${request.params.patientId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'patient.demographics.update', patientId: request.params.patientId, detail: { fields: Object.keys(b) } });
    return patient;
  });
}
