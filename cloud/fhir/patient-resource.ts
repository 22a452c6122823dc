import type { Patient } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { CLINICAL } from '../patients/patient-routes.js';
import { invalidSearch } from './operation-outcome.js';
import type { ResourceRoute } from './resource-route.js';
import { numericId, tokenValues } from './search-params.js';

/** The system of the medical record numbers (the patient's identifier everywhere in this service). */
export const MRN_SYSTEM = 'urn:ward-cloud:mrn';

const COLUMNS = `id, mrn, name, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", sex`;

export const GET_PATIENT = `SELECT ${COLUMNS} FROM patients WHERE id = $1`;
export const PATIENT_BY_MRN = `SELECT ${COLUMNS}, '' AS "sortName" FROM patients WHERE mrn = $1`;
/** Name prefix, by name then id (index patients_name_keyset), after the keyset cursor ($2, $3). */
export const PATIENTS_BY_NAME = `
SELECT ${COLUMNS}, lower(name) AS "sortName" FROM patients
WHERE ($1::text IS NULL OR lower(name) LIKE $1 || '%') AND (lower(name), id) > ($2::text, $3::bigint)
ORDER BY lower(name), id
LIMIT $4`;

interface PatientRow {
  id: number;
  mrn: string;
  name: string;
  birthDate: string | null;
  sex: string | null;
  sortName: string;
}

const GENDERS = new Set(['male', 'female', 'other', 'unknown']);
const escapeLike = (text: string): string => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

export function patientResource(row: Omit<PatientRow, 'sortName'>): Patient {
  return {
    resourceType: 'Patient',
    id: String(row.id),
    identifier: [{ use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] }, system: MRN_SYSTEM, value: row.mrn }],
    name: [{ text: row.name }],
    ...(row.sex !== null && GENDERS.has(row.sex) ? { gender: row.sex as Patient['gender'] } : {}),
    ...(row.birthDate !== null ? { birthDate: row.birthDate } : {}),
  };
}

export const patientRoute: ResourceRoute<Patient> = {
  type: 'Patient',
  access: CLINICAL,
  documentation: 'Patients, as GET /v1/patients. Reads and searches are audited (patient.read, patient.search).',
  async read(call, id) {
    const patientId = numericId(id);
    if (patientId === null) return null;
    const [row] = await run<PatientRow>(call.ctx.sql, GET_PATIENT, [patientId]);
    if (!row) return null;
    call.audit('patient.read', row.id);
    return patientResource(row);
  },
  search: {
    pageSize: { default: 20, max: 100 },
    params: [
      { name: 'identifier', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Patient-identifier', documentation: `The MRN, as ${MRN_SYSTEM}|MRN or MRN alone; one value.` },
      { name: 'name', type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/Patient-name', documentation: 'A case-insensitive prefix of the full name; by name then id.' },
    ],
    async run(call, query, page) {
      const identifier = query.one('identifier');
      let rows: PatientRow[];
      let nextCursor: string | null = null;
      if (identifier !== undefined) {
        const [token, ...more] = tokenValues(identifier, 'identifier');
        if (more.length > 0 || (token!.system !== null && token!.system !== MRN_SYSTEM)) throw invalidSearch(`identifier: one value, of system ${MRN_SYSTEM}`);
        const name = query.one('name')?.toLowerCase();
        rows = (await run<PatientRow>(call.ctx.sql, PATIENT_BY_MRN, [token!.code])).filter((r) => name === undefined || r.name.toLowerCase().startsWith(name));
      } else {
        const after = decodeCursor(page.cursor, ['string', 'number']);
        const name = query.one('name')?.trim() || null;
        const found = await run<PatientRow>(call.ctx.sql, PATIENTS_BY_NAME, [name === null ? null : escapeLike(name), after?.[0] ?? '', after?.[1] ?? 0, page.count + 1]);
        rows = found.slice(0, page.count);
        const last = rows[rows.length - 1];
        if (found.length > page.count && last) nextCursor = encodeCursor([last.sortName, last.id]);
      }
      call.audit('patient.search', null, { patientIds: rows.map((r) => r.id) });
      return { resources: rows.map(patientResource), nextCursor };
    },
  },
};
