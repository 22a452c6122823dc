import type { Database, Statement } from 'better-sqlite3';

import type { AlarmReviewEntry } from '../protocol/ui-channel.js';

/**
 * Newest alarm starts first. Event ids grow with time, so walking them backwards from the newest
 * stops at the window's start without an index on `at` for the whole ward.
 */
export const SELECT_ALARM_STARTS_NEWEST_FIRST = `SELECT id, alarm_id AS alarmId, at, condition, type, priority, bed_id AS bedId, patient_id AS patientId, device_id AS deviceId, value, limit_value AS "limit"
FROM alarm_events WHERE phase = 'start' ORDER BY id DESC`;
/** A patient's alarm starts in a window, newest first, for marking trends (uses alarm_events_patient_at). */
export const SELECT_PATIENT_ALARM_STARTS =
  "SELECT at, condition, priority FROM alarm_events WHERE patient_id = ? AND at >= ? AND at < ? AND phase = 'start' ORDER BY at DESC LIMIT 500";
/** The later events of the chosen alarms, read forward from the oldest start's id (rowid range). */
export const SELECT_LATER_EVENTS = `SELECT alarm_id AS alarmId, phase, at, inactivation, actor
FROM alarm_events WHERE id >= ? AND phase != 'start' AND alarm_id IN (SELECT value FROM json_each(?)) ORDER BY id`;

interface StartRow {
  id: number;
  alarmId: string;
  at: number;
  condition: string;
  type: 'physiological' | 'technical';
  priority: 'PH' | 'PM' | 'PL';
  bedId: string | null;
  patientId: number | null;
  deviceId: string | null;
  value: number | null;
  limit: number | null;
}

export interface AlarmReviewQuery {
  /** The whole ward when null; otherwise this bed's alarms and its current patient's (wherever they were). */
  readonly bedId: string | null;
  readonly patientId: number | null;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
}

/** The alarm review: what alarmed, when, for how long, and who acknowledged or paused it. */
export class AlarmReview {
  private readonly starts: Statement;
  private readonly later: Statement;
  private readonly patientStarts: Statement;

  constructor(db: Database) {
    this.starts = db.prepare(SELECT_ALARM_STARTS_NEWEST_FIRST);
    this.later = db.prepare(SELECT_LATER_EVENTS);
    this.patientStarts = db.prepare(SELECT_PATIENT_ALARM_STARTS);
  }

  /** When a patient's alarms started in [from, to), newest first (at most 500). */
  startsOf(patientId: number, from: number, to: number): Array<{ at: number; condition: string; priority: 'PH' | 'PM' | 'PL' }> {
    return this.patientStarts.all(patientId, from, to) as Array<{ at: number; condition: string; priority: 'PH' | 'PM' | 'PL' }>;
  }

  list(query: AlarmReviewQuery): AlarmReviewEntry[] {
    const chosen: StartRow[] = [];
    for (const row of this.starts.iterate() as IterableIterator<StartRow>) {
      if (row.at < query.from) break;
      if (row.at >= query.to) continue;
      if (query.bedId !== null && row.bedId !== query.bedId && (query.patientId === null || row.patientId !== query.patientId)) continue;
      chosen.push(row);
      if (chosen.length >= query.limit) break;
    }
    if (chosen.length === 0) return [];
    const entries = new Map<string, { -readonly [K in keyof AlarmReviewEntry]: AlarmReviewEntry[K] }>();
    for (const s of chosen) {
      entries.set(s.alarmId, {
        alarmId: s.alarmId,
        condition: s.condition,
        type: s.type,
        priority: s.priority,
        bedId: s.bedId,
        deviceId: s.deviceId,
        value: s.value,
        limit: s.limit,
        startedAt: s.at,
        endedAt: null,
        acknowledgedBy: null,
        acknowledgedAt: null,
        pausedBy: null,
        pausedAt: null,
      });
    }
    const oldest = chosen[chosen.length - 1]!.id;
    for (const e of this.later.iterate(oldest, JSON.stringify([...entries.keys()])) as IterableIterator<{ alarmId: string; phase: string; at: number; inactivation: string; actor: string | null }>) {
      const entry = entries.get(e.alarmId)!;
      if (e.phase === 'end') entry.endedAt = e.at;
      else if (e.inactivation === 'acknowledged' && entry.acknowledgedAt === null && e.actor) {
        entry.acknowledgedBy = e.actor;
        entry.acknowledgedAt = e.at;
      } else if (e.inactivation === 'audio_paused' && entry.pausedAt === null && e.actor) {
        entry.pausedBy = e.actor;
        entry.pausedAt = e.at;
      }
    }
    return [...entries.values()];
  }
}
