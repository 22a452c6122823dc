import type { AlarmService } from '../../alarms/alarm-service.js';
import { StationError } from '../../domain/errors.js';
import { VITAL_CODES, type VitalCode } from '../../protocol/vitals.js';
import type { AuditTrail } from '../../storage/audit-trail.js';
import type { WardRepository } from '../../storage/ward-repository.js';
import type { AlarmReview } from '../alarm-review.js';
import type { UiHandlers } from '../ui-server.js';
import { actorOf, pauseActorOf } from './actor.js';

type AlarmMethods = 'alarms.view' | 'alarms.acknowledge' | 'alarms.pauseAudio' | 'alarms.history' | 'alarms.review' | 'alarms.limits' | 'alarms.setLimits';

/** The alarm bar, the review and a bed's limits. Every change waits until its events are stored. */
export function alarmHandlers(alarms: AlarmService, review: AlarmReview, ward: WardRepository, audit: AuditTrail): Pick<UiHandlers, AlarmMethods> {
  const patientIn = (bedId: string) => ward.beds().find((b) => b.id === bedId)?.patient ?? null;
  return {
    'alarms.view': () => alarms.view(),
    'alarms.acknowledge': async ({ alarmId, reason }, session) => {
      alarms.acknowledge(alarmId, actorOf(session), reason ? reason.slice(0, 200) : null);
      await alarms.persisted();
      return { ok: true };
    },
    'alarms.pauseAudio': async (_params, session) => {
      const actor = pauseActorOf(session);
      alarms.pauseAudio(actor);
      audit.record(Date.now(), actor, 'alarm.pause_audio', 'station');
      await alarms.persisted();
      return { ok: true };
    },
    'alarms.history': async ({ bedId, from, to }) => {
      // Alarm events are written by the writer thread: the history includes all raised so far.
      await alarms.persisted().catch(() => undefined);
      const patient = patientIn(bedId);
      return patient ? review.startsOf(patient.id, from, to) : [];
    },
    'alarms.review': ({ bedId, from, to, limit }) => {
      if (to <= from) throw new StationError('invalid_params', 'alarms.review needs from < to (epoch ms)');
      const patient = bedId ? patientIn(bedId) : null;
      return review.list({ bedId: bedId ?? null, patientId: patient?.id ?? null, from, to, limit: Math.min(Math.max(Math.trunc(limit ?? 200), 1), 1000) });
    },
    'alarms.limits': ({ bedId }) => {
      const result: Partial<Record<VitalCode, { low?: number; high?: number }>> = {};
      for (const code of VITAL_CODES) {
        const limits = alarms.limitsOf(bedId, code);
        if (limits.low !== undefined || limits.high !== undefined) result[code] = limits;
      }
      return result;
    },
    'alarms.setLimits': async ({ bedId, code, low, high }, session) => {
      const actor = actorOf(session);
      const limits = { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) };
      if (limits.low !== undefined && limits.high !== undefined && limits.low >= limits.high) throw new StationError('invalid_params', 'the low limit must be below the high limit');
      const before = alarms.limitsOf(bedId, code);
      alarms.setLimits(bedId, code, limits, actor);
      audit.record(Date.now(), actor, 'alarm.limits', bedId, { code, before, after: limits });
      await alarms.persisted();
      return alarms.limitsOf(bedId, code);
    },
  };
}
