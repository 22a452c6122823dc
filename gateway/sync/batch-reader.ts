import type { Database, Statement } from 'better-sqlite3';
import { vitalById, type VitalValues } from '../protocol/vitals.js';

/** The station → cloud batch body (PUT /v1/stations/:stationId/batches/:batchId). */
export interface StationBatch {
  readonly observations: ReadonlyArray<{
    readonly id: number;
    readonly deviceId: string;
    readonly bedId: string | null;
    readonly ts: number;
    readonly patient: { readonly mrn: string; readonly name: string; readonly birthDate: string | null } | null;
    readonly vitals: VitalValues;
  }>;
  readonly alarmEvents: ReadonlyArray<Record<string, unknown>>;
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
export const COUNT_QUEUED = 'SELECT COUNT(*) AS n FROM observations WHERE id > ?';
export const MAX_OBSERVATION_ID = 'SELECT COALESCE(MAX(id), 0) AS id FROM observations';

/**
 * Reads what the cloud does not have yet. A batch is "the first N observations after the
 * cursor": the same rows give the same batch id after a restart, so a replay is recognised by the
 * cloud as the same batch.
 */
export class BatchReader {
  private readonly selectCursor: Statement;
  private readonly upsertCursor: Statement;
  private readonly selectAfter: Statement;
  private readonly maxId: Statement;

  constructor(db: Database) {
    this.selectCursor = db.prepare(SELECT_CURSOR);
    this.upsertCursor = db.prepare(UPSERT_CURSOR);
    this.selectAfter = db.prepare(SELECT_OBSERVATIONS_AFTER);
    this.maxId = db.prepare(MAX_OBSERVATION_ID);
  }

  cursor(stream = 'observations'): number {
    return (this.selectCursor.get(stream) as { lastId: number } | undefined)?.lastId ?? 0;
  }

  /** Rows waiting for the cloud (by id distance: cheap, exact while ids are dense). */
  queued(): number {
    return Math.max(0, (this.maxId.get() as { id: number }).id - this.cursor());
  }

  next(limit: number): { batchId: string; lastId: number; body: StationBatch } | null {
    const after = this.cursor();
    const rows = this.selectAfter.all({ after, limit }) as Array<{
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
    const observations: Array<StationBatch['observations'][number] & { vitals: VitalValues }> = [];
    for (const row of rows) {
      let last = observations[observations.length - 1];
      if (!last || last.id !== row.id) {
        last = {
          id: row.id,
          deviceId: row.deviceId,
          bedId: row.bedId,
          ts: row.ts,
          patient: row.mrn ? { mrn: row.mrn, name: row.name ?? '', birthDate: row.birthDate } : null,
          vitals: {},
        };
        observations.push(last);
      }
      const def = vitalById(row.vital);
      if (def) last.vitals[def.code] = row.value;
    }
    const lastId = observations[observations.length - 1]!.id;
    return { batchId: `obs-${observations[0]!.id}-${lastId}`, lastId, body: { observations, alarmEvents: [] } };
  }

  /** Moves the cursor; called only after the cloud confirmed the batch. Never moves backwards. */
  confirm(lastId: number, now = Date.now(), stream = 'observations'): void {
    this.upsertCursor.run(stream, lastId, now);
  }
}
