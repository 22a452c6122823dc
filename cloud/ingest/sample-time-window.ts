import type { StationAlarmEvent, StationBatch, StationObservation } from '../../gateway/protocol/sync-batch.js';

/** How far ahead of the server's clock a sample may be: station clocks drift a little, not more. */
export const MAX_AHEAD_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export type RefusalReason = 'future' | 'too_old' | 'foreign_patient';

/** A row the cloud will not store, with the reason the station is told. */
export interface RefusedRow {
  readonly stream: 'observations' | 'alarmEvents' | 'alarmWaves';
  readonly id: number;
  readonly reason: RefusalReason;
  readonly message: string;
}

export interface SampleTimeWindow {
  /** Raw vitals are kept this many days: an older sample would be dropped at once anyway. */
  readonly retentionDays: number;
  readonly maxAheadMs?: number;
}

/**
 * Splits a batch into the rows whose time the cloud accepts and the rows it refuses: a sample
 * more than a few minutes ahead of the server's clock (a station clock that jumped, or a hostile
 * sender) would pin "latest vitals" and make storage for days that do not exist yet; one older
 * than the retention would be dropped at the next maintenance. Pure: the clock is a parameter.
 */
export function splitBySampleTime(batch: StationBatch, nowMs: number, window: SampleTimeWindow): { accepted: StationBatch; refused: RefusedRow[] } {
  const latest = nowMs + (window.maxAheadMs ?? MAX_AHEAD_MS);
  const earliest = nowMs - window.retentionDays * DAY_MS;
  const refused: RefusedRow[] = [];
  const judge = (stream: RefusedRow['stream'], id: number, ts: number): boolean => {
    if (ts > latest) {
      refused.push({ stream, id, reason: 'future', message: `time ${new Date(ts).toISOString()} is more than ${Math.round((latest - nowMs) / 60_000)} min ahead of the cloud's clock (${new Date(nowMs).toISOString()}); check the station's clock` });
      return false;
    }
    if (ts < earliest) {
      refused.push({ stream, id, reason: 'too_old', message: `time ${new Date(ts).toISOString()} is older than the ${window.retentionDays}-day retention` });
      return false;
    }
    return true;
  };
  const observations: StationObservation[] = batch.observations.filter((o) => judge('observations', o.id, o.ts));
  const alarmEvents: StationAlarmEvent[] = batch.alarmEvents.filter((e) => judge('alarmEvents', e.id, e.at));
  const alarmWaves = batch.alarmWaves?.filter((w) => judge('alarmWaves', w.id, w.at));
  if (refused.length === 0) return { accepted: batch, refused };
  return { accepted: { ...batch, observations, alarmEvents, ...(alarmWaves ? { alarmWaves } : {}) }, refused };
}
