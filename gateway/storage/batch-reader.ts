import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Database, Statement } from 'better-sqlite3';
import { vitalById } from '../protocol/vitals.js';
import type { StationAlarmEvent, StationBatch, StationObservation, StationPatient } from '../protocol/sync-batch.js';
import { AlarmWaveBatches, type AlarmWavesOptions } from './alarm-wave-batches.js';

/**
 * Each stream is sent in id order and has its own cursor in `sync_cursors`. `alarm_waves` (when
 * configured) moves over alarm events too: the stored waves around each alarm's onset.
 */
export type SyncStream = 'observations' | 'alarm_events' | 'alarm_waves';

/** What the sync client asks for beside the batch size: alarm strips, and the time now. */
export interface NextOptions {
  readonly alarmWaves?: AlarmWavesOptions | null;
  readonly now?: number;
}

export interface PreparedBatch {
  readonly stream: SyncStream;
  readonly batchId: string;
  readonly lastId: number;
  /** The gzip JSON body, exactly as sent (and resent). */
  readonly body: Uint8Array;
}

/**
 * Where the sync client gets batches and records progress. In the station this runs on a storage
 * thread (reading 5,000 rows, JSON and gzip take tens of ms that the event loop acknowledging
 * frames and raising alarms must not wait for); tests may use a BatchReader directly.
 */
/** Read past these ids instead of the confirmed cursors: the rows of a batch still in flight. */
export type ReadAfter = Partial<Record<SyncStream, number>>;

export interface SyncSource {
  next(limit: number, after?: ReadAfter, options?: NextOptions): PreparedBatch | null | Promise<PreparedBatch | null>;
  confirm(lastId: number, now: number, stream: SyncStream): void | Promise<void>;
  queued(): number;
}

export const SELECT_CURSOR = 'SELECT last_id AS lastId FROM sync_cursors WHERE stream = ?';
export const UPSERT_CURSOR = `INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES (?, ?, ?)
ON CONFLICT (stream) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at
WHERE excluded.last_id > sync_cursors.last_id`;
/** The next observations after the cursor, in id order, with their values and patient. */
export const SELECT_OBSERVATIONS_AFTER = `
SELECT o.id, o.device_id AS deviceId, o.bed_id AS bedId, o.ts, p.mrn, p.name, p.birth_date AS birthDate,
       v.vital, v.value
FROM (SELECT * FROM observations WHERE id > @after ORDER BY id LIMIT @limit) o
JOIN observation_values v ON v.observation_id = o.id
LEFT JOIN patients p ON p.id = o.patient_id
ORDER BY o.id, v.vital`;
/** The next alarm events after the cursor, with the patient's identity for the cloud. */
export const SELECT_ALARM_EVENTS_AFTER = `
SELECT e.id, e.alarm_id AS alarmId, e.phase, e.at, e.condition, e.type, e.priority, e.state, e.inactivation,
       e.bed_id AS bedId, e.device_id AS deviceId, p.mrn, p.name, p.birth_date AS birthDate,
       e.value, e.limit_value AS "limit", e.actor, e.reason
FROM alarm_events e LEFT JOIN patients p ON p.id = e.patient_id
WHERE e.id > @after ORDER BY e.id LIMIT @limit`;
export const SELECT_STORE_ID = 'SELECT store_id AS storeId FROM store_identity WHERE id = 1';
export const MAX_OBSERVATION_ID = 'SELECT COALESCE(MAX(id), 0) AS id FROM observations';
export const MAX_ALARM_EVENT_ID = 'SELECT COALESCE(MAX(id), 0) AS id FROM alarm_events';

const patientOf = (row: { mrn: string | null; name: string | null; birthDate: string | null }): StationPatient | null =>
  row.mrn ? { mrn: row.mrn, name: row.name ?? '', birthDate: row.birthDate } : null;

/**
 * Reads what the cloud does not have yet. A batch is "the first N rows of a stream after its
 * cursor"; its id names the stream, the row range and a hash of the body, so the same rows give
 * the same id after a restart (a replay the cloud recognises), and a body that changed in between
 * (a patient's name corrected) is a new batch rather than a conflict. The cloud skips rows at or
 * below its own copy of the cursor, so overlapping batches never store a row twice.
 */
export class BatchReader implements SyncSource {
  private readonly selectCursor: Statement;
  private readonly upsertCursor: Statement;
  private readonly selectObservations: Statement;
  private readonly selectAlarmEvents: Statement;
  private readonly maxObservation: Statement;
  private readonly maxAlarmEvent: Statement;
  private readonly origin: string;
  private readonly alarmWaves: AlarmWaveBatches;

  constructor(db: Database) {
    this.alarmWaves = new AlarmWaveBatches(db);
    this.origin = (db.prepare(SELECT_STORE_ID).get() as { storeId: string }).storeId;
    this.selectCursor = db.prepare(SELECT_CURSOR);
    this.upsertCursor = db.prepare(UPSERT_CURSOR);
    this.selectObservations = db.prepare(SELECT_OBSERVATIONS_AFTER);
    this.selectAlarmEvents = db.prepare(SELECT_ALARM_EVENTS_AFTER);
    this.maxObservation = db.prepare(MAX_OBSERVATION_ID);
    this.maxAlarmEvent = db.prepare(MAX_ALARM_EVENT_ID);
  }

  cursor(stream: SyncStream = 'observations'): number {
    return (this.selectCursor.get(stream) as { lastId: number } | undefined)?.lastId ?? 0;
  }

  /** Rows waiting for the cloud, both streams (by id distance: cheap, exact while ids are dense). */
  queued(): number {
    const observations = (this.maxObservation.get() as { id: number }).id - this.cursor('observations');
    const alarms = (this.maxAlarmEvent.get() as { id: number }).id - this.cursor('alarm_events');
    return Math.max(0, observations) + Math.max(0, alarms);
  }

  /**
   * The next batch to send: alarm events first (few, and what a physician looks for), then vitals,
   * then (when configured) the waves around alarms: never before the numerics and alarms.
   */
  next(limit: number, after: ReadAfter = {}, options: NextOptions = {}): PreparedBatch | null {
    return (
      this.nextAlarmEvents(limit, after.alarm_events) ??
      this.nextObservations(limit, after.observations) ??
      (options.alarmWaves ? this.nextAlarmWaves(options.alarmWaves, options.now ?? Date.now(), after.alarm_waves) : null)
    );
  }

  nextAlarmWaves(options: AlarmWavesOptions, now: number, after = this.cursor('alarm_waves')): PreparedBatch | null {
    const next = this.alarmWaves.next(after, options, now);
    if (!next) return null;
    return prepare('alarm_waves', 'waves', after + 1, next.lastId, { origin: this.origin, observations: [], alarmEvents: [], alarmWaves: next.strips });
  }

  nextObservations(limit: number, after = this.cursor('observations')): PreparedBatch | null {
    const rows = this.selectObservations.all({ after, limit }) as Array<{
      id: number;
      deviceId: string;
      bedId: string | null;
      ts: number;
      mrn: string | null;
      name: string | null;
      birthDate: string | null;
      vital: number;
      value: number;
    }>;
    if (rows.length === 0) return null;
    const observations: StationObservation[] = [];
    for (const row of rows) {
      let last = observations[observations.length - 1];
      if (!last || last.id !== row.id) {
        last = { id: row.id, deviceId: row.deviceId, bedId: row.bedId, ts: row.ts, patient: patientOf(row), vitals: {} };
        observations.push(last);
      }
      const def = vitalById(row.vital);
      if (def) last.vitals[def.code] = row.value;
    }
    return prepare('observations', 'obs', observations[0]!.id, observations[observations.length - 1]!.id, { origin: this.origin, observations, alarmEvents: [] });
  }

  nextAlarmEvents(limit: number, after = this.cursor('alarm_events')): PreparedBatch | null {
    const rows = this.selectAlarmEvents.all({ after, limit }) as Array<
      Omit<StationAlarmEvent, 'patient'> & { mrn: string | null; name: string | null; birthDate: string | null }
    >;
    if (rows.length === 0) return null;
    const alarmEvents = rows.map(({ mrn, name, birthDate, ...event }) => ({ ...event, patient: patientOf({ mrn, name, birthDate }) }));
    return prepare('alarm_events', 'alarms', rows[0]!.id, rows[rows.length - 1]!.id, { origin: this.origin, observations: [], alarmEvents });
  }

  /** Moves a stream's cursor; called only after the cloud confirmed the batch. Never moves backwards. */
  confirm(lastId: number, now = Date.now(), stream: SyncStream = 'observations'): void {
    this.upsertCursor.run(stream, lastId, now);
  }
}

function prepare(stream: SyncStream, prefix: string, firstId: number, lastId: number, body: StationBatch): PreparedBatch {
  const json = JSON.stringify(body);
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 12);
  return { stream, batchId: `${prefix}-${firstId}-${lastId}-${hash}`, lastId, body: gzipSync(json) };
}
