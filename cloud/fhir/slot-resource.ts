import type { Slot } from 'fhir/r4.js';
import { AvailabilitySearch, checkCriteria } from '../booking/availability-search.js';
import { ApiError } from '../errors.js';
import { invalidSearch } from './operation-outcome.js';
import type { ResourceRoute } from './resource-route.js';
import { dateValue, referenceId, tokenValues } from './search-params.js';
import { scheduleOf } from './schedule-resource.js';

const STAFF = ['physician', 'nurse', 'admin'] as const;
/** Without an end date a search covers two weeks; the availability search covers at most 31 days. */
const DEFAULT_DAYS = 14;

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Free slots, from the same search as GET /v1/availability (the table of open slots, or computed
 * from the schedules beyond it), with its keyset cursor. Dates are the clinic's local dates, as
 * in the REST API, so `start` takes dates only.
 */
export const slotRoute: ResourceRoute<Slot> = {
  type: 'Slot',
  access: STAFF,
  documentation: 'Free slots of one doctor (the availability search). Slots are computed: they are searched, not read by id; book them through POST /v1/appointments.',
  search: {
    pageSize: { default: 20, max: 100 },
    params: [
      { name: 'schedule.actor', type: 'reference', definition: 'http://hl7.org/fhir/SearchParameter/Slot-schedule', documentation: 'Practitioner/id (chained: the Schedule\'s actor). This or schedule is required.' },
      { name: 'schedule', type: 'reference', definition: 'http://hl7.org/fhir/SearchParameter/Slot-schedule', documentation: 'Schedule/id (the doctor\'s id).' },
      { name: 'start', type: 'date', repeats: true, definition: 'http://hl7.org/fhir/SearchParameter/Slot-start', documentation: `Local dates of the clinic (YYYY-MM-DD) with ge, gt, le, lt or eq; default from today for ${DEFAULT_DAYS} days; at most 31 days.` },
      { name: 'status', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Slot-status', documentation: 'Only free (the default): the facade serves free slots only.' },
    ],
    async run(call, query, page) {
      const actor = query.one('schedule.actor');
      const schedule = query.one('schedule');
      if ((actor === undefined) === (schedule === undefined)) throw invalidSearch('give exactly one of schedule.actor=Practitioner/id and schedule=Schedule/id');
      const doctorId = actor !== undefined ? referenceId(actor, 'Practitioner', 'schedule.actor') : referenceId(schedule!, 'Schedule', 'schedule');
      const status = query.one('status');
      if (status !== undefined && tokenValues(status, 'status').some((t) => t.code !== 'free')) throw invalidSearch('status: only free slots are served (status=free)');
      let from = null as string | null;
      let to = null as string | null;
      for (const text of query.all('start')) {
        const value = dateValue(text, 'start');
        if (value.precision !== 'day') throw invalidSearch(`start=${text.slice(0, 40)}: give a date (YYYY-MM-DD), the clinic's local date`);
        const first = value.prefix === 'gt' ? isoDay(value.end) : isoDay(value.start);
        const last = value.prefix === 'lt' ? isoDay(value.start - 86_400_000) : isoDay(value.start);
        if (value.prefix === 'ge' || value.prefix === 'gt' || value.prefix === 'eq') from = from === null || first > from ? first : from;
        if (value.prefix === 'le' || value.prefix === 'lt' || value.prefix === 'eq') to = to === null || last < to ? last : to;
      }
      const doctor = await scheduleOf(call.ctx.sql, doctorId);
      if (!doctor) return { resources: [], nextCursor: null };
      from ??= isoDay(Date.now());
      to ??= isoDay(Date.parse(`${from}T00:00:00Z`) + (DEFAULT_DAYS - 1) * 86_400_000);
      if (to < from) return { resources: [], nextCursor: null };
      const criteria = { specialization: doctor.specialization, city: null, clinicId: null, doctorId, from, to };
      try {
        checkCriteria(criteria);
      } catch (error) {
        if (error instanceof ApiError) throw invalidSearch(`start: ${error.message}`);
        throw error;
      }
      const search = new AvailabilitySearch(call.ctx.sql, () => call.ctx.openSlots.through());
      const result = await search.page(criteria, page.cursor, page.count, new Date());
      return {
        resources: result.items.map((s) => ({
          resourceType: 'Slot' as const,
          id: `${s.doctor.id}-${Date.parse(s.startsAt)}`,
          serviceType: [{ text: s.doctor.specialization }],
          schedule: { reference: `Schedule/${s.doctor.id}` },
          status: 'free' as const,
          start: s.startsAt,
          end: s.endsAt,
        })),
        nextCursor: result.nextCursor,
      };
    },
  },
};
