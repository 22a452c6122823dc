import type { Database, Statement } from 'better-sqlite3';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import { PRIORITY_WIRE } from '../protocol/alarm-types.js';
import type { EngineSnapshot } from './alarm-engine.js';

export const INSERT_ALARM_EVENT = `INSERT INTO alarm_events
  (alarm_id, phase, at, condition, type, priority, state, inactivation, bed_id, patient_id, device_id, value, limit_value, actor, reason)
VALUES (@alarmId, @phase, @at, @condition, @type, @priority, @state, @inactivation, @bedId, @patientId, @deviceId, @value, @limit, @actor, @reason)`;
export const SAVE_SNAPSHOT = `INSERT INTO alarm_engine_state (id, snapshot, updated_at) VALUES (1, ?, ?)
ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at`;
export const LOAD_SNAPSHOT = 'SELECT snapshot FROM alarm_engine_state WHERE id = 1';

/**
 * Persists alarm events and the engine state in one transaction, so after a crash the stored
 * events and the restored active alarms agree. Alarm events are rare next to vitals: written on
 * the main connection as they happen.
 */
export class AlarmLog {
  private readonly insert: Statement;
  private readonly save: Statement;
  private readonly load: Statement;
  private readonly writeBatch: (events: readonly AlarmEvent[], snapshot: EngineSnapshot, now: number) => void;

  constructor(db: Database) {
    this.insert = db.prepare(INSERT_ALARM_EVENT);
    this.save = db.prepare(SAVE_SNAPSHOT);
    this.load = db.prepare(LOAD_SNAPSHOT);
    this.writeBatch = db.transaction((events: readonly AlarmEvent[], snapshot: EngineSnapshot, now: number) => {
      for (const e of events) {
        const a = e.alarm;
        this.insert.run({
          alarmId: a.id,
          phase: e.phase,
          at: e.at,
          condition: a.condition,
          type: a.type,
          priority: PRIORITY_WIRE[a.priority],
          state: a.state,
          inactivation: a.inactivation,
          bedId: a.bedId,
          patientId: a.patientId,
          deviceId: a.deviceId,
          value: a.value,
          limit: a.limit,
          actor: e.actor,
          reason: e.reason,
        });
      }
      this.save.run(JSON.stringify(snapshot), now);
    });
  }

  record(events: readonly AlarmEvent[], snapshot: EngineSnapshot, now = Date.now()): void {
    this.writeBatch(events, snapshot, now);
  }

  restore(): EngineSnapshot | undefined {
    const row = this.load.get() as { snapshot: string } | undefined;
    return row ? (JSON.parse(row.snapshot) as EngineSnapshot) : undefined;
  }
}
