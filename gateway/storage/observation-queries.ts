import type { Database } from 'better-sqlite3';
import { VITALS, vitalById, type VitalCode } from '../protocol/vitals.js';

export const SELECT_LAST_SEQ = 'SELECT MAX(seq) AS seq FROM observations WHERE device_id = ?';
export const COUNT_OBSERVATIONS = 'SELECT COUNT(*) AS n FROM observations';
export const COUNT_VALUES = 'SELECT COUNT(*) AS n FROM observation_values';
export const SELECT_DEVICE_SEQS = 'SELECT seq FROM observations WHERE device_id = ? AND seq IS NOT NULL ORDER BY seq';
export const SELECT_PATIENT_SERIES = `
SELECT o.ts AS ts, v.value AS value
FROM observations o JOIN observation_values v ON v.observation_id = o.id
WHERE o.patient_id = ? AND v.vital = ? AND o.ts >= ? AND o.ts < ?
ORDER BY o.ts`;

/** Highest seq stored for a device, so a restarted device continues its sequence. */
export function lastSeq(db: Database, deviceId: string): number {
  return ((db.prepare(SELECT_LAST_SEQ).get(deviceId) as { seq: number | null }).seq ?? 0) as number;
}

export function countObservations(db: Database): { observations: number; values: number } {
  return {
    observations: (db.prepare(COUNT_OBSERVATIONS).get() as { n: number }).n,
    values: (db.prepare(COUNT_VALUES).get() as { n: number }).n,
  };
}

export function deviceSeqs(db: Database, deviceId: string): number[] {
  return (db.prepare(SELECT_DEVICE_SEQS).all(deviceId) as Array<{ seq: number }>).map((r) => r.seq);
}

export function patientSeries(db: Database, patientId: number, code: VitalCode, from: number, to: number): Array<{ ts: number; value: number }> {
  return db.prepare(SELECT_PATIENT_SERIES).all(patientId, VITALS[code].id, from, to) as Array<{ ts: number; value: number }>;
}

export { vitalById };
