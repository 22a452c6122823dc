import type { Practitioner } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import type { ResourceRoute } from './resource-route.js';
import { numericId } from './search-params.js';

/** Everyone signed in reads doctors, as GET /v1/doctors (not patient data: not audited). */
export const ANY_USER = ['physician', 'nurse', 'admin'] as const;

export const GET_DOCTOR = `SELECT id, name, specialization, email FROM doctors WHERE id = $1`;

export function practitionerResource(row: { id: number; name: string; specialization: string; email: string | null }): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: String(row.id),
    active: true,
    name: [{ text: row.name }],
    ...(row.email ? { telecom: [{ system: 'email' as const, value: row.email, use: 'work' as const }] } : {}),
    qualification: [{ code: { text: row.specialization } }],
  };
}

export const practitionerRoute: ResourceRoute<Practitioner> = {
  type: 'Practitioner',
  access: ANY_USER,
  documentation: 'Doctors, as GET /v1/doctors/{id}; the specialization is qualification.code.text.',
  async read(call, id) {
    const doctorId = numericId(id);
    if (doctorId === null) return null;
    const [row] = await run<{ id: number; name: string; specialization: string; email: string | null }>(call.ctx.sql, GET_DOCTOR, [doctorId]);
    return row ? practitionerResource(row) : null;
  },
};
