import type { Appointment } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import type { ResourceRoute } from './resource-route.js';
import { dateRange, numericId, referenceId } from './search-params.js';

const STAFF = ['physician', 'nurse', 'admin'] as const;
const UTC = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const COLUMNS = `a.id, a.status, a.mode, a.patient_id AS "patientId", a.doctor_id AS "doctorId", d.clinic_id AS "clinicId",
       ${UTC('lower(a.during)')} AS "startsAt", ${UTC('upper(a.during)')} AS "endsAt", a.created_at AS "createdAt"`;

export const GET_APPOINTMENT = `SELECT ${COLUMNS} FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE a.id = $1`;

/**
 * A patient's appointments that start in [$2, $3), by start then id after the keyset cursor
 * ($4, $5): index appointments_patient_start, stopped after the page.
 */
export const SEARCH_APPOINTMENTS = `
SELECT ${COLUMNS}
FROM appointments a JOIN doctors d ON d.id = a.doctor_id
WHERE a.patient_id = $1 AND lower(a.during) >= to_timestamp($2 / 1000.0) AND lower(a.during) < to_timestamp($3 / 1000.0)
  AND (lower(a.during), a.id) > ($4::text::timestamptz, $5::bigint)
ORDER BY lower(a.during), a.id
LIMIT $6`;

interface AppointmentRow {
  id: number;
  status: 'scheduled' | 'cancelled' | 'completed' | 'no_show';
  mode: 'in_person' | 'video';
  patientId: number;
  doctorId: number;
  clinicId: number;
  startsAt: string;
  endsAt: string;
  createdAt: Date;
}

const STATUS: Record<AppointmentRow['status'], Appointment['status']> = { scheduled: 'booked', cancelled: 'cancelled', completed: 'fulfilled', no_show: 'noshow' };
const ALL_TIME = { from: 0, to: 8.64e15 };

export function appointmentResource(row: AppointmentRow): Appointment {
  return {
    resourceType: 'Appointment',
    id: String(row.id),
    status: STATUS[row.status],
    appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE', display: 'Routine appointment' }], text: row.mode === 'video' ? 'video consultation' : 'in person' },
    start: row.startsAt,
    end: row.endsAt,
    created: row.createdAt.toISOString().slice(0, 10),
    participant: [
      { actor: { reference: `Patient/${row.patientId}` }, required: 'required', status: 'accepted' },
      { actor: { reference: `Practitioner/${row.doctorId}` }, required: 'required', status: 'accepted' },
      { actor: { reference: `Location/${row.clinicId}` }, required: 'required', status: 'accepted' },
    ],
  };
}

export const appointmentRoute: ResourceRoute<Appointment> = {
  type: 'Appointment',
  access: STAFF,
  documentation: 'Appointments, as GET /v1/appointments/{id}; status booked, cancelled, fulfilled or noshow. Audited (appointment.read, appointments.list).',
  async read(call, id) {
    const appointmentId = numericId(id);
    if (appointmentId === null) return null;
    const [row] = await run<AppointmentRow>(call.ctx.sql, GET_APPOINTMENT, [appointmentId]);
    if (!row) return null;
    call.audit('appointment.read', row.patientId, { appointmentId: row.id, via: 'fhir' });
    return appointmentResource(row);
  },
  search: {
    pageSize: { default: 20, max: 100 },
    params: [
      { name: 'patient', type: 'reference', required: true, definition: 'http://hl7.org/fhir/SearchParameter/Appointment-patient', documentation: 'Required: Patient/id.' },
      { name: 'date', type: 'date', repeats: true, definition: 'http://hl7.org/fhir/SearchParameter/Appointment-date', documentation: 'The start, with ge, gt, le, lt or eq; repeat to AND. By start then id.' },
    ],
    async run(call, query, page) {
      const patientId = referenceId(query.one('patient')!, 'Patient', 'patient');
      const { from, to } = dateRange(query.all('date'), 'date', ALL_TIME);
      const after = decodeCursor(page.cursor, ['string', 'number']);
      const rows = to > from ? await run<AppointmentRow>(call.ctx.sql, SEARCH_APPOINTMENTS, [patientId, from, to, after?.[0] ?? '-infinity', after?.[1] ?? 0, page.count + 1]) : [];
      const items = rows.slice(0, page.count);
      const last = items[items.length - 1];
      call.audit('appointments.list', patientId, { appointmentIds: items.map((a) => a.id), via: 'fhir' });
      return { resources: items.map(appointmentResource), nextCursor: rows.length > page.count && last ? encodeCursor([last.startsAt, last.id]) : null };
    },
  },
};
