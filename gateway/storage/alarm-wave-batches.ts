import type { Database, Statement } from 'better-sqlite3';
import type { StationAlarmWaves, StationWaveStretch } from '../protocol/sync-batch.js';
import { WaveQueries } from '../waves/wave-queries.js';
import { reviewWaves } from '../waves/wave-review.js';

/** Which stored waves go to the cloud: those around each physiological alarm's onset. */
export interface AlarmWavesOptions {
  readonly beforeMs: number;
  readonly afterMs: number;
}

/** The writer commits waves within moments of receipt; this much later a window is taken as complete. */
export const ALARM_WAVES_SETTLE_MS = 5000;
/** Alarm strips per batch: each is about 90 s of three waves (~60 KB compressed). */
const STRIPS_PER_BATCH = 5;
/** Alarm events looked at per batch (most are updates and ends, which carry no strip). */
const EVENTS_PER_LOOK = 500;

const SELECT_EVENTS_AFTER = `
SELECT e.id, e.alarm_id AS alarmId, e.phase, e.type, e.at, e.condition, e.bed_id AS bedId, e.patient_id AS patientId,
       p.mrn, p.name, p.birth_date AS birthDate
FROM alarm_events e LEFT JOIN patients p ON p.id = e.patient_id
WHERE e.id > ? ORDER BY e.id LIMIT ${EVENTS_PER_LOOK}`;

interface EventRow {
  id: number;
  alarmId: string;
  phase: string;
  type: string;
  at: number;
  condition: string;
  bedId: string | null;
  patientId: number | null;
  mrn: string | null;
  name: string | null;
  birthDate: string | null;
}

/**
 * The next alarm strips for the cloud, in alarm-event id order: for each physiological alarm
 * start with a patient, the patient's stored waves from `beforeMs` before to `afterMs` after its
 * onset. A start whose window has not ended yet (plus the writer's moment) stops the look there,
 * so strips go out in order and complete; events with no strip (updates, ends, technical alarms,
 * no stored waves) are passed over. `lastId` is the last event looked at: the stream's cursor.
 */
export class AlarmWaveBatches {
  private readonly selectEvents: Statement;
  private readonly waves: WaveQueries;

  constructor(db: Database) {
    this.selectEvents = db.prepare(SELECT_EVENTS_AFTER);
    this.waves = new WaveQueries(db);
  }

  next(after: number, options: AlarmWavesOptions, now: number): { strips: StationAlarmWaves[]; lastId: number } | null {
    const strips: StationAlarmWaves[] = [];
    let lastId = after;
    for (const row of this.selectEvents.all(after) as EventRow[]) {
      const carries = row.phase === 'start' && row.type === 'physiological' && row.patientId !== null && row.mrn !== null;
      if (carries) {
        if (row.at + options.afterMs + ALARM_WAVES_SETTLE_MS > now) break;
        const from = row.at - options.beforeMs;
        const to = row.at + options.afterMs;
        const stored = reviewWaves(this.waves, row.patientId!, from, to);
        const waves: Record<string, StationWaveStretch[]> = {};
        for (const [code, stretches] of Object.entries(stored)) {
          waves[code] = stretches.map((s) => ({ ...s, samples: Buffer.from(Int16Array.from(s.samples).buffer).toString('base64') }));
        }
        if (Object.keys(waves).length > 0) {
          strips.push({ id: row.id, alarmId: row.alarmId, at: row.at, condition: row.condition, bedId: row.bedId, patient: { mrn: row.mrn!, name: row.name ?? '', birthDate: row.birthDate }, from, to, waves });
        }
      }
      lastId = row.id;
      if (strips.length >= STRIPS_PER_BATCH) break;
    }
    return lastId > after ? { strips, lastId } : null;
  }
}
