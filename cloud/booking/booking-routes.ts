import { Type } from '@sinclair/typebox';
import type { CloudApp } from '../context.js';
import { ApiError } from '../errors.js';
import { userOf } from '../http/access.js';
import { readAfterOf, readRoute } from '../http/read-after.js';
import { errorResponses, Page, PageQuery } from '../http/schemas.js';
import { AppointmentHistory } from './appointment-history.js';
import { Appointments } from './appointments.js';
import { AVAILABILITY_CHANNEL, AvailabilityCache, type AvailabilityChange } from './availability-cache.js';
import { AvailabilitySearch, checkCriteria, type SearchCriteria } from './availability-search.js';
import { registerDoctorRoutes } from './doctor-routes.js';
import { Doctors } from './doctors.js';

const STAFF = ['physician', 'nurse', 'admin'] as const;
const CLINICAL = ['physician', 'nurse'] as const;
const Id = Type.Integer({ minimum: 1 });
const LocalDate = Type.String({ format: 'date', description: 'local date of the clinic, YYYY-MM-DD' });

const SlotSchema = Type.Object(
  {
    startsAt: Type.String(),
    endsAt: Type.String(),
    slotMinutes: Type.Integer(),
    doctor: Type.Object({ id: Type.Integer(), name: Type.String(), specialization: Type.String(), consultationFeeCents: Type.Integer() }),
    clinic: Type.Object({ id: Type.Integer(), name: Type.String(), city: Type.String(), timezone: Type.String() }),
  },
  { $id: 'AvailableSlot' },
);
const AppointmentSchema = Type.Object(
  {
    id: Type.Integer(),
    doctorId: Type.Integer(),
    patientId: Type.Integer(),
    status: Type.Union(['scheduled', 'cancelled', 'completed', 'no_show'].map((s) => Type.Literal(s))),
    mode: Type.Union([Type.Literal('in_person'), Type.Literal('video')]),
    startsAt: Type.String(),
    endsAt: Type.String(),
  },
  { $id: 'Appointment' },
);
const HistoryItemSchema = Type.Object({
  id: Type.Integer(), status: Type.String(), mode: Type.String(), startsAt: Type.String(), endsAt: Type.String(), upcoming: Type.Boolean(),
  doctor: Type.Object({ id: Type.Integer(), name: Type.String(), specialization: Type.String() }),
  clinic: Type.Object({ id: Type.Integer(), name: Type.String(), city: Type.String() }),
});
const DayItemSchema = Type.Object({
  id: Type.Integer(), status: Type.String(), mode: Type.String(), startsAt: Type.String(), endsAt: Type.String(),
  patient: Type.Object({ id: Type.Integer(), mrn: Type.String(), name: Type.String() }),
});

/**
 * Availability, booking, a patient's appointments and a doctor's day. There is no patient login
 * yet: staff (nurse, physician, admin) book on a patient's behalf.
 */
export function registerBookingRoutes(app: CloudApp): void {
  const { sql, reads, bus, audit, patients, appointmentHooks } = app.ctx;
  const cache = new AvailabilityCache();
  const through = () => app.ctx.openSlots.through();
  // Searches and lists read where ReadRouting sends them (a replica when configured).
  const searchOn = (route: { sql: typeof sql }) => new AvailabilitySearch(route.sql, through);
  const historyOn = (route: { sql: typeof sql }) => new AppointmentHistory(route.sql);
  const invalidate = (change: AvailabilityChange) => {
    cache.invalidate(change);
    if (!reads.replicated) return;
    cache.holdFills();
    reads.primaryLsn().then((lsn) => cache.releaseFills(lsn), () => cache.releaseFills(null));
  };
  // After each booking's commit: dropped here at once, then published to the other replicas.
  // Should the publish fail (or this process die first), their pages of that doctor and day stay
  // until the cache's 30 s bound; a booking from such a page gets 409 slot_taken.
  const announce = async (change: AvailabilityChange) => {
    invalidate(change);
    await bus.publish(AVAILABILITY_CHANNEL, JSON.stringify(change)).catch((error: Error) => app.log.warn({ err: error.message }, 'availability change not published to the other replicas'));
  };
  const appointments = new Appointments(sql, appointmentHooks, announce);
  const doctors = new Doctors(sql, (change: AvailabilityChange, tx) => bus.publish(AVAILABILITY_CHANNEL, JSON.stringify(change), tx));
  app.decorate('availabilityCache', cache);

  // Every replica drops what another one's change touched; a reconnect may have lost notices.
  app.addHook('onReady', async () => {
    await bus.subscribe(AVAILABILITY_CHANNEL, (payload) => invalidate(JSON.parse(payload) as AvailabilityChange));
    bus.onResync(() => cache.clear());
  });
  app.addSchema(SlotSchema);
  app.addSchema(AppointmentSchema);
  registerDoctorRoutes(app, doctors);

  app.get('/v1/availability', {
    config: { access: STAFF },
    schema: {
      tags: ['booking'],
      summary: 'Free slots by specialization, place (city or clinic), local dates [from, to] and optionally doctor; by time, keyset pages; one SQL statement, cached',
      querystring: Type.Object({
        specialization: Type.String({ minLength: 1, maxLength: 100 }),
        city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        clinicId: Type.Optional(Id),
        doctorId: Type.Optional(Id),
        from: LocalDate,
        to: LocalDate,
        ...PageQuery,
      }),
      response: { 200: Page(Type.Ref('AvailableSlot')), ...errorResponses },
    },
  }, async (request, reply) => {
    const q = request.query;
    const criteria: SearchCriteria = { specialization: q.specialization, city: q.city ?? null, clinicId: q.clinicId ?? null, doctorId: q.doctorId ?? null, from: q.from, to: q.to };
    checkCriteria(criteria);
    const limit = q.limit ?? 20;
    const key = AvailabilityCache.key(criteria, q.cursor, limit);
    const now = new Date();
    const readAfter = readAfterOf(request);
    const cached = cache.get(key, reads.replicated ? readAfter : null);
    if (cached) {
      void reply.header('x-availability-cache', 'hit');
      const nowIso = now.toISOString();
      // A cached page may list a slot that has begun since; never offer it.
      return { items: cached.items.filter((s) => s.startsAt > nowIso), nextCursor: cached.nextCursor };
    }
    const generation = cache.generation();
    const route = await readRoute(app, request, reply, readAfter);
    const { source, ...page } = await searchOn(route).page(criteria, q.cursor, limit, now);
    cache.set(key, criteria, page, generation, route.lsn);
    void reply.header('x-availability-cache', 'miss').header('x-availability-source', source);
    return page;
  });

  app.post('/v1/appointments', {
    config: { access: STAFF },
    schema: {
      tags: ['booking'],
      summary: 'Book a slot for a patient (409 slot_taken / patient_busy when the database refuses an overlap)',
      body: Type.Object({ doctorId: Id, patientId: Id, startsAt: Type.String({ format: 'date-time' }), endsAt: Type.String({ format: 'date-time' }), mode: Type.Union([Type.Literal('in_person'), Type.Literal('video')], { default: 'in_person' }) }, { additionalProperties: false }),
      response: { 201: Type.Ref('Appointment'), ...errorResponses },
    },
  }, async (request, reply) => {
    const user = userOf(request);
    const appointment = await appointments.book(request.body);
    audit.record({ actorType: 'user', actorId: String(user.userId), action: 'appointment.book', patientId: appointment.patientId, detail: { appointmentId: appointment.id } });
    return reply.status(201).send(appointment);
  });

  const transitions = [
    { path: 'cancel', status: 'cancelled', access: STAFF, summary: 'Cancel; the slot is free at once' },
    { path: 'complete', status: 'completed', access: CLINICAL, summary: 'Mark as completed' },
    { path: 'no-show', status: 'no_show', access: CLINICAL, summary: 'Mark as a no-show' },
  ] as const;
  for (const t of transitions) {
    app.post(`/v1/appointments/:appointmentId/${t.path}`, {
      config: { access: t.access },
      schema: { tags: ['booking'], summary: t.summary, params: Type.Object({ appointmentId: Id }), response: { 200: Type.Ref('Appointment'), ...errorResponses } },
    }, async (request) => {
      const appointment = await appointments.setStatus(request.params.appointmentId, t.status);
      audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: `appointment.${t.status}`, patientId: appointment.patientId, detail: { appointmentId: appointment.id } });
      return appointment;
    });
  }

  app.get('/v1/appointments/:appointmentId', {
    config: { access: STAFF },
    schema: { tags: ['booking'], summary: 'One appointment', params: Type.Object({ appointmentId: Id }), response: { 200: Type.Ref('Appointment'), ...errorResponses } },
  }, async (request) => {
    const appointment = await appointments.get(request.params.appointmentId);
    if (!appointment) throw new ApiError('appointment_not_found', `no appointment with id ${request.params.appointmentId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'appointment.read', patientId: appointment.patientId, detail: { appointmentId: appointment.id } });
    return appointment;
  });

  app.get('/v1/patients/:patientId/appointments', {
    config: { access: STAFF },
    schema: {
      tags: ['booking'],
      summary: "A patient's appointments: upcoming soonest first, then past latest first (keyset pages)",
      params: Type.Object({ patientId: Id }),
      querystring: Type.Object({ ...PageQuery }),
      response: { 200: Page(HistoryItemSchema), ...errorResponses },
    },
  }, async (request, reply) => {
    const { patientId } = request.params;
    const page = await historyOn(await readRoute(app, request, reply)).patient(patientId, request.query.cursor, request.query.limit ?? 20);
    if (page.items.length === 0 && !(await patients.exists(patientId))) throw new ApiError('patient_not_found', `no patient with id ${patientId}`);
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'appointments.list', patientId, detail: { appointmentIds: page.items.map((a) => a.id) } });
    return page;
  });

  app.get('/v1/doctors/:doctorId/day', {
    config: { access: STAFF },
    schema: {
      tags: ['booking'],
      summary: "A doctor's appointments on one local date, by time (keyset pages)",
      params: Type.Object({ doctorId: Id }),
      querystring: Type.Object({ date: LocalDate, ...PageQuery }),
      response: { 200: Page(DayItemSchema), ...errorResponses },
    },
  }, async (request, reply) => {
    const { doctorId } = request.params;
    const page = await historyOn(await readRoute(app, request, reply)).doctorDay(doctorId, request.query.date, request.query.cursor, request.query.limit ?? 20);
    if (page.items.length === 0 && !(await doctors.get(doctorId))) throw new ApiError('doctor_not_found', `no doctor with id ${doctorId}`);
    // The day lists patients: audited like a patient search, one entry naming them all.
    audit.record({ actorType: 'user', actorId: String(userOf(request).userId), action: 'doctor.day', patientId: null, detail: { doctorId, date: request.query.date, patientIds: page.items.map((a) => a.patient.id) } });
    return page;
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This replica's availability cache (tests and the bench read its counters). */
    availabilityCache?: AvailabilityCache;
  }
}
