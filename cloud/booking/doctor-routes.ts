import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';
import type { Doctors } from './doctors.js';

const ANY_USER = ['physician', 'nurse', 'admin'] as const;
const Id = Type.Integer({ minimum: 1 });
const ClinicSchema = Type.Object({ id: Type.Integer(), name: Type.String(), city: Type.String(), timezone: Type.String() });
const DoctorSchema = Type.Object(
  {
    id: Type.Integer(), userId: Type.Union([Type.Integer(), Type.Null()]), name: Type.String(), specialization: Type.String(),
    consultationFeeCents: Type.Integer(), email: Type.Union([Type.String(), Type.Null()]), clinic: ClinicSchema,
  },
  { $id: 'Doctor' },
);
const BlockSchema = Type.Object({
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday' }),
  starts: Type.String({ pattern: '^\\d\\d:\\d\\d$' }),
  ends: Type.String({ pattern: '^\\d\\d:\\d\\d$' }),
  slotMinutes: Type.Integer({ minimum: 5, maximum: 240 }),
}, { additionalProperties: false });

/** Clinics, doctors, weekly schedules and exceptions: administrators maintain them, staff read them. */
export function registerDoctorRoutes(app: CloudApp, doctors: Doctors): void {
  app.addSchema(DoctorSchema);

  app.post('/v1/clinics', {
    config: { access: ['admin'] },
    schema: {
      tags: ['booking'], summary: 'Add a clinic (IANA time zone: schedules are in its local time)',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), city: Type.String({ minLength: 1, maxLength: 100 }), timezone: Type.String({ default: 'UTC', maxLength: 64 }) }, { additionalProperties: false }),
      response: { 201: ClinicSchema, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await doctors.createClinic(request.body)));

  app.post('/v1/doctors', {
    config: { access: ['admin'] },
    schema: {
      tags: ['booking'], summary: 'Add a doctor',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 200 }), specialization: Type.String({ minLength: 1, maxLength: 100 }), clinicId: Id,
        consultationFeeCents: Type.Integer({ minimum: 0 }), email: Type.Optional(Type.String({ format: 'email' })), userId: Type.Optional(Id),
      }, { additionalProperties: false }),
      response: { 201: Type.Ref('Doctor'), ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await doctors.createDoctor(request.body)));

  app.get('/v1/doctors', {
    config: { access: ANY_USER },
    schema: {
      tags: ['booking'], summary: 'Doctors by id (keyset pages), optionally of a specialization, city or clinic',
      querystring: Type.Object({ specialization: Type.Optional(Type.String({ maxLength: 100 })), city: Type.Optional(Type.String({ maxLength: 100 })), clinicId: Type.Optional(Id), ...PageQuery }),
      response: { 200: Page(Type.Ref('Doctor')), ...errorResponses },
    },
  }, async (request) => {
    const { cursor, limit, ...filter } = request.query;
    return doctors.list(filter, cursor, limit ?? 20);
  });

  app.get('/v1/doctors/:doctorId', {
    config: { access: ANY_USER },
    schema: { tags: ['booking'], summary: 'One doctor', params: Type.Object({ doctorId: Id }), response: { 200: Type.Ref('Doctor'), ...errorResponses } },
  }, async (request) => {
    const doctor = await doctors.get(request.params.doctorId);
    if (!doctor) throw new ApiError('doctor_not_found', `no doctor with id ${request.params.doctorId}`);
    return doctor;
  });

  app.get('/v1/doctors/:doctorId/schedule', {
    config: { access: ANY_USER },
    schema: { tags: ['booking'], summary: 'The weekly schedule', params: Type.Object({ doctorId: Id }), response: { 200: Type.Object({ blocks: Type.Array(BlockSchema) }), ...errorResponses } },
  }, async (request) => {
    if (!(await doctors.get(request.params.doctorId))) throw new ApiError('doctor_not_found', `no doctor with id ${request.params.doctorId}`);
    return { blocks: await doctors.schedule(request.params.doctorId) };
  });

  app.put('/v1/doctors/:doctorId/schedule', {
    config: { access: ['admin'] },
    schema: {
      tags: ['booking'], summary: 'Replace the weekly schedule (blocks in the clinic\'s local time, cut into slots of slotMinutes)',
      params: Type.Object({ doctorId: Id }),
      body: Type.Object({ blocks: Type.Array(BlockSchema, { maxItems: 70 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ blocks: Type.Array(BlockSchema) }), ...errorResponses },
    },
  }, async (request) => ({ blocks: await doctors.setSchedule(request.params.doctorId, request.body.blocks) }));

  app.post('/v1/doctors/:doctorId/exceptions', {
    config: { access: ['admin'] },
    schema: {
      tags: ['booking'], summary: 'Leave, holiday or other closure: no slot overlapping it is offered or bookable',
      params: Type.Object({ doctorId: Id }),
      body: Type.Object({ startsAt: Type.String({ format: 'date-time' }), endsAt: Type.String({ format: 'date-time' }), reason: Type.Union([Type.Literal('leave'), Type.Literal('holiday'), Type.Literal('other')]) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.Integer(), startsAt: Type.String(), endsAt: Type.String(), reason: Type.String() }), ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await doctors.addException(request.params.doctorId, request.body)));
}
