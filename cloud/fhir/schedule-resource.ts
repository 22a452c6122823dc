import type { Schedule } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import { ANY_USER } from './practitioner-resource.js';
import type { ResourceRoute } from './resource-route.js';
import { numericId, referenceId } from './search-params.js';

/**
 * Each doctor has one Schedule, with the doctor's id: the weekly working hours in the clinic
 * (GET /v1/doctors/{id}/schedule), whose free slots are the Slots.
 */
export const GET_SCHEDULE = `
SELECT d.id, d.specialization, d.clinic_id AS "clinicId", c.timezone FROM doctors d JOIN clinics c ON c.id = d.clinic_id WHERE d.id = $1`;

export interface ScheduleRow {
  id: number;
  specialization: string;
  clinicId: number;
  timezone: string;
}

export const scheduleResource = (row: ScheduleRow): Schedule => ({
  resourceType: 'Schedule',
  id: String(row.id),
  active: true,
  serviceType: [{ text: row.specialization }],
  actor: [{ reference: `Practitioner/${row.id}` }, { reference: `Location/${row.clinicId}` }],
  comment: `Weekly working hours in the clinic's time zone (${row.timezone}); free slots are Slot resources.`,
});

export async function scheduleOf(sql: Parameters<typeof run>[0], doctorId: number): Promise<ScheduleRow | null> {
  const [row] = await run<ScheduleRow>(sql, GET_SCHEDULE, [doctorId]);
  return row ?? null;
}

export const scheduleRoute: ResourceRoute<Schedule> = {
  type: 'Schedule',
  access: ANY_USER,
  documentation: "One per doctor, with the doctor's id.",
  async read(call, id) {
    const doctorId = numericId(id);
    const row = doctorId === null ? null : await scheduleOf(call.ctx.sql, doctorId);
    return row ? scheduleResource(row) : null;
  },
  search: {
    pageSize: { default: 1, max: 1 },
    params: [{ name: 'actor', type: 'reference', required: true, definition: 'http://hl7.org/fhir/SearchParameter/Schedule-actor', documentation: 'Required: Practitioner/id; answers that doctor\'s one Schedule.' }],
    async run(call, query) {
      const row = await scheduleOf(call.ctx.sql, referenceId(query.one('actor')!, 'Practitioner', 'actor'));
      return { resources: row ? [scheduleResource(row)] : [], nextCursor: null };
    },
  },
};
