import type { Database, Statement } from 'better-sqlite3';

/**
 * A batch of observations flattened into plain arrays, so it crosses to the writer thread with a
 * cheap structured clone. Entry i has `valueCounts[i]` (vital id, value) pairs, in order, in
 * `vitalIds` / `values`.
 */
export interface EncodedBatch {
  readonly receivedAt: number;
  readonly deviceIds: string[];
  readonly seqs: Array<number | null>;
  readonly messageIds: Array<string | null>;
  readonly ts: number[];
  readonly bedIds: Array<string | null>;
  readonly patientIds: Array<number | null>;
  readonly valueCounts: number[];
  readonly vitalIds: number[];
  readonly values: number[];
}

/** Row id of each stored observation; 0 where it was a duplicate of one stored before. */
export interface BatchResult {
  readonly ids: number[];
}

export const INSERT_OBSERVATION = `INSERT OR IGNORE INTO observations
  (device_id, seq, message_id, ts, received_at, bed_id, patient_id)
VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const INSERT_OBSERVATION_VALUE =
  'INSERT INTO observation_values (observation_id, vital, value) VALUES (?, ?, ?)';

/** Prepares the statements once and returns a function committing one batch per transaction. */
export function batchCommitter(db: Database): (batch: EncodedBatch) => BatchResult {
  const insertObservation: Statement = db.prepare(INSERT_OBSERVATION);
  const insertValue: Statement = db.prepare(INSERT_OBSERVATION_VALUE);
  return db.transaction((batch: EncodedBatch): BatchResult => {
    const ids: number[] = new Array(batch.deviceIds.length);
    let v = 0;
    for (let i = 0; i < batch.deviceIds.length; i++) {
      const count = batch.valueCounts[i]!;
      const info = insertObservation.run(batch.deviceIds[i], batch.seqs[i], batch.messageIds[i], batch.ts[i], batch.receivedAt, batch.bedIds[i], batch.patientIds[i]);
      if (info.changes === 0) {
        ids[i] = 0;
      } else {
        const id = Number(info.lastInsertRowid);
        ids[i] = id;
        for (let k = 0; k < count; k++) insertValue.run(id, batch.vitalIds[v + k], batch.values[v + k]);
      }
      v += count;
    }
    return { ids };
  });
}
