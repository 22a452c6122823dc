import type { Location, Organization } from 'fhir/r4.js';
import { run } from '../db/sql.js';
import { ANY_USER } from './practitioner-resource.js';
import type { ResourceRoute } from './resource-route.js';
import { numericId } from './search-params.js';

/**
 * A clinic is both an Organization (who provides care) and a Location (where), with the same id;
 * the Location names its Organization. Its IANA time zone is in Location.description, as R4 has
 * no element for it.
 */
export const GET_CLINIC = `SELECT id, name, city, timezone FROM clinics WHERE id = $1`;

interface ClinicRow {
  id: number;
  name: string;
  city: string;
  timezone: string;
}

export const organizationResource = (row: ClinicRow): Organization => ({
  resourceType: 'Organization',
  id: String(row.id),
  active: true,
  type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
  name: row.name,
  address: [{ city: row.city }],
});

export const locationResource = (row: ClinicRow): Location => ({
  resourceType: 'Location',
  id: String(row.id),
  status: 'active',
  mode: 'instance',
  name: row.name,
  description: `time zone ${row.timezone}`,
  address: { city: row.city },
  managingOrganization: { reference: `Organization/${row.id}` },
});

async function clinic(sql: Parameters<typeof run>[0], id: string): Promise<ClinicRow | null> {
  const clinicId = numericId(id);
  if (clinicId === null) return null;
  const [row] = await run<ClinicRow>(sql, GET_CLINIC, [clinicId]);
  return row ?? null;
}

export const organizationRoute: ResourceRoute<Organization> = {
  type: 'Organization',
  access: ANY_USER,
  documentation: 'Clinics as organizations (same id as their Location).',
  async read(call, id) {
    const row = await clinic(call.ctx.sql, id);
    return row ? organizationResource(row) : null;
  },
};

export const locationRoute: ResourceRoute<Location> = {
  type: 'Location',
  access: ANY_USER,
  documentation: 'Clinics as locations (same id as their Organization); the time zone of schedules and slots is in description.',
  async read(call, id) {
    const row = await clinic(call.ctx.sql, id);
    return row ? locationResource(row) : null;
  },
};
