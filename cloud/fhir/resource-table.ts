import { appointmentRoute } from './appointment-resource.js';
import { locationRoute, organizationRoute } from './clinic-resources.js';
import { diagnosticReportRoute } from './diagnostic-report-resource.js';
import { observationRoute } from './observation-route.js';
import { patientRoute } from './patient-resource.js';
import { practitionerRoute } from './practitioner-resource.js';
import type { ResourceRoute, SearchParamDefinition } from './resource-route.js';
import { scheduleRoute } from './schedule-resource.js';
import { slotRoute } from './slot-resource.js';

/** The facade: every resource type it serves. Routes and the CapabilityStatement come from this table. */
export const FHIR_RESOURCES: readonly ResourceRoute[] = [
  patientRoute,
  observationRoute,
  practitionerRoute,
  organizationRoute,
  locationRoute,
  scheduleRoute,
  slotRoute,
  appointmentRoute,
  diagnosticReportRoute,
] as unknown as readonly ResourceRoute[];

/** Parameters every search takes (the page, its cursor, and how much of each resource). */
export const COMMON_SEARCH_PARAMS: readonly SearchParamDefinition[] = [
  { name: '_count', type: 'special', definition: 'http://hl7.org/fhir/SearchParameter/Resource-count', documentation: "Page size, 1 to the resource's maximum (stated in its search-type interaction)." },
  { name: '_cursor', type: 'special', documentation: 'Opaque keyset cursor of the next page; take the whole `next` link, never build it. Pages never use offsets: rows added while paging are neither repeated nor skipped.' },
  { name: '_elements', type: 'special', documentation: 'Comma-separated top-level elements to return (the resources are tagged SUBSETTED).' },
  { name: '_summary', type: 'special', documentation: 'false or data only (no narrative is written, so both give whole resources); true, text and count are not supported.' },
  { name: '_format', type: 'special', documentation: 'json, application/json or application/fhir+json; anything else is answered 406.' },
];
