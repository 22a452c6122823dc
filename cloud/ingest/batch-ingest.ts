import type { ClusterBus } from '../cluster/cluster-bus.js';
import type { StorageMode } from '../db/migration.js';
import type { Sql, TransactionSql } from '../db/sql.js';
import { ApiError } from '../errors.js';
import type { Patients, StationPatient } from '../patients/patients.js';
import type { LatestVitalsCache, LatestValue } from '../vitals/latest-vitals-cache.js';
import type { NativePartitions } from '../vitals/native-partitions.js';
import { vitalByCode } from '../../gateway/protocol/vitals.js';
import { appendStreamEvents } from '../vitals/vital-stream-log.js';
import { writeVitals, type VitalRows } from '../vitals/vitals-write.js';
import { alarmEvent } from '../webhooks/change-events.js';
import { enqueueWebhookEvents } from '../webhooks/webhook-outbox.js';
import type { BatchResult, StationAlarmEvent, StationAlarmWaves, StationBatch } from '../../gateway/protocol/sync-batch.js';
import { splitBySampleTime, type RefusedRow, type SampleTimeWindow } from './sample-time-window.js';

export const LATEST_CHANNEL = 'vitals_latest';
const STREAM_OBSERVATIONS = 'observations';
const STREAM_ALARMS = 'alarm_events';

/**
 * Stores a station batch exactly once. In one transaction, under a row lock on the station's
 * stream cursors (so replicas receiving the same station serialize):
 * - a batch id seen before answers its stored result if the body is the same (a replay after a
 *   lost response), and 409 if it is not;
 * - rows at or below the stream cursor are skipped (the station sends in id order, so they are
 *   already here, whatever batch brought them);
 * - rows whose time is outside what the cloud accepts (ahead of its clock, or past retention) are
 *   refused, each with its reason in the answer; they are checked before anything else, so they
 *   never create storage or touch "latest vitals";
 * - the rest are written (vitals by COPY, see vitals-write.ts), alarm events in one statement, and
 *   the cursors move in the same transaction (past refused rows too: resending cannot fix them).
 * Other replicas learn of new latest values by NOTIFY at commit.
 */
export class BatchIngest {
  private readonly deviceRefs = new Map<string, number>();

  constructor(
    private readonly sql: Sql,
    private readonly mode: StorageMode,
    private readonly patients: Patients,
    private readonly latest: LatestVitalsCache,
    private readonly bus: ClusterBus,
    private readonly partitions: NativePartitions | null,
    private readonly window: SampleTimeWindow,
    private readonly now: () => number = Date.now,
  ) {}

  async ingest(station: { stationId: string; facility: string }, batchId: string, bodySha256: Buffer, received: StationBatch): Promise<BatchResult> {
    const { accepted: batch, refused } = splitBySampleTime(received, this.now(), this.window);
    const span = timeSpan(batch);
    if (this.partitions && span) await this.partitions.ensure(span.from, span.to);
    try {
      return await this.write(station, batchId, bodySha256, batch, refused);
    } catch (error) {
      // A partition dropped by another replica's retention between our check and the insert.
      if (this.partitions && span && (error as { code?: string }).code === '23514') {
        await this.partitions.load();
        await this.partitions.ensure(span.from, span.to);
        return this.write(station, batchId, bodySha256, batch, refused);
      }
      throw error;
    }
  }

  private async write(station: { stationId: string; facility: string }, batchId: string, bodySha256: Buffer, batch: StationBatch, refusedByTime: readonly RefusedRow[]): Promise<BatchResult> {
    const { stationId, facility } = station;
    const newest = new Map<number, Map<number, LatestValue>>();
    const origin = batch.origin ?? '';
    const obsStream = `${STREAM_OBSERVATIONS}@${origin}`;
    const alarmStream = `${STREAM_ALARMS}@${origin}`;
    const refused: RefusedRow[] = [];
    const result = await this.sql.begin(async (tx) => {
      refused.length = 0;
      await tx`INSERT INTO station_streams (station_id, stream, last_id)
        VALUES (${stationId}, ${obsStream}, 0), (${stationId}, ${alarmStream}, 0) ON CONFLICT DO NOTHING`;
      // Every stream of the station is locked, in one order: batches of one station serialize.
      const cursors = await tx<Array<{ stream: string; lastId: number }>>`
        SELECT stream, last_id AS "lastId" FROM station_streams WHERE station_id = ${stationId} ORDER BY stream FOR UPDATE`;
      const [seen] = await tx<Array<{ hash: Buffer; result: BatchResult }>>`
        SELECT body_sha256 AS hash, result FROM station_batches WHERE station_id = ${stationId} AND batch_id = ${batchId}`;
      if (seen) {
        if (!seen.hash.equals(bodySha256)) throw new ApiError('batch_conflict', `batch ${batchId} was already stored with a different body`);
        // Results stored before rows could be refused have no list.
        return { ...seen.result, refused: seen.result.refused ?? [], identityConflicts: seen.result.identityConflicts ?? 0, replayed: true };
      }
      const obsCursor = cursors.find((c) => c.stream === obsStream)?.lastId ?? 0;
      const alarmCursor = cursors.find((c) => c.stream === alarmStream)?.lastId ?? 0;
      const newObservations = batch.observations.filter((o) => o.id > obsCursor);
      const newEvents = batch.alarmEvents.filter((e) => e.id > alarmCursor);

      const strips = batch.alarmWaves ?? [];
      const resolved = await this.patients.resolve(
        tx,
        uniquePatients([...newObservations.map((o) => o.patient), ...newEvents.map((e) => e.patient), ...strips.map((w) => w.patient)]),
        facility,
        stationId,
      );
      const patientIds = resolved.ids;
      // Rows naming a patient of another facility are not this station's to write.
      const foreign = (stream: RefusedRow['stream'], id: number, patient: StationPatient | null): boolean => {
        if (!patient || !resolved.foreign.has(patient.mrn)) return false;
        refused.push({ stream, id, reason: 'foreign_patient', message: `MRN belongs to a patient of another facility; this station writes for facility ${facility}` });
        return true;
      };
      const observations = newObservations.filter((o) => !foreign('observations', o.id, o.patient));
      const events = newEvents.filter((e) => !foreign('alarmEvents', e.id, e.patient));

      const deviceRefs = await this.resolveDevices(tx, stationId, observations.map((o) => o.deviceId));
      const rows: VitalRows = { ts: [], patientId: [], vital: [], value: [], deviceRef: [] };
      for (const o of observations) {
        const patientId = o.patient ? patientIds.get(o.patient.mrn)! : null;
        const deviceRef = deviceRefs.get(o.deviceId)!;
        for (const [code, value] of Object.entries(o.vitals)) {
          const vital = vitalByCode(code)!.id;
          rows.ts.push(o.ts);
          rows.patientId.push(patientId);
          rows.vital.push(vital);
          rows.value.push(value);
          rows.deviceRef.push(deviceRef);
          if (patientId !== null) {
            let perPatient = newest.get(patientId);
            if (!perPatient) newest.set(patientId, (perPatient = new Map()));
            const previous = perPatient.get(vital);
            if (!previous || previous.ts <= o.ts) perPatient.set(vital, { ts: o.ts, value });
          }
        }
      }
      await writeVitals(tx, this.mode, rows);
      const ownStrips = strips.filter((w) => !foreign('alarmWaves', w.id, w.patient));
      const stripsStored = ownStrips.length > 0 ? await insertAlarmWaves(tx, stationId, ownStrips, patientIds) : 0;
      if (events.length > 0) {
        await insertAlarmEvents(tx, stationId, origin, events, patientIds);
        await enqueueWebhookEvents(tx, events.map((e) => alarmEvent(stationId, e, e.patient ? patientIds.get(e.patient.mrn)! : null)), this.now());
      }

      const refusedNow = [...refusedByTime.filter((r) => r.stream === 'alarmWaves' || r.id > (r.stream === 'observations' ? obsCursor : alarmCursor)), ...refused].sort((a, b) => a.id - b.id);
      const refusedIds = (stream: RefusedRow['stream']) => refusedNow.filter((r) => r.stream === stream).map((r) => r.id);
      const lastObs = Math.max(obsCursor, ...observations.map((o) => o.id), ...refusedIds('observations'));
      const lastAlarm = Math.max(alarmCursor, ...events.map((e) => e.id), ...refusedIds('alarmEvents'));
      await tx`UPDATE station_streams SET last_id = v.last_id, updated_at = now()
        FROM (VALUES (${obsStream}, ${lastObs}::bigint), (${alarmStream}, ${lastAlarm}::bigint)) AS v(stream, last_id)
        WHERE station_streams.station_id = ${stationId} AND station_streams.stream = v.stream`;
      const stored: BatchResult = {
        batchId,
        replayed: false,
        observations: { stored: observations.length, duplicates: batch.observations.length - newObservations.length },
        values: rows.ts.length,
        alarmEvents: { stored: events.length, duplicates: batch.alarmEvents.length - newEvents.length },
        ...(strips.length > 0 ? { alarmWaves: { stored: stripsStored, duplicates: ownStrips.length - stripsStored } } : {}),
        refused: refusedNow.map((r) => ({ ...r })),
        identityConflicts: resolved.conflicts.length,
      };
      await tx`INSERT INTO station_batches (station_id, batch_id, body_sha256, result)
        VALUES (${stationId}, ${batchId}, ${bodySha256}, ${tx.json(stored as never)})`;
      if (newest.size > 0) {
        // The live streams' events, and their wake-up (delivered at commit) to every replica.
        await appendStreamEvents(tx, newest, this.now());
        await this.bus.publish(LATEST_CHANNEL, [...newest.keys()].join(','), tx);
      }
      return stored;
    });
    for (const [patientId, values] of newest) this.latest.merge(patientId, values);
    return result;
  }

  private async resolveDevices(tx: TransactionSql, stationId: string, deviceIds: readonly string[]): Promise<Map<string, number>> {
    const refs = new Map<string, number>();
    const missing = new Set<string>();
    for (const id of deviceIds) {
      const ref = this.deviceRefs.get(`${stationId}\u0000${id}`);
      if (ref !== undefined) refs.set(id, ref);
      else missing.add(id);
    }
    if (missing.size === 0) return refs;
    const list = [...missing];
    await tx`INSERT INTO station_devices (station_id, device_id) SELECT ${stationId}, d FROM unnest(${list}::text[]) AS d ON CONFLICT DO NOTHING`;
    const rows = await tx<Array<{ id: number; deviceId: string }>>`
      SELECT id, device_id AS "deviceId" FROM station_devices WHERE station_id = ${stationId} AND device_id = ANY(${list}::text[])`;
    for (const row of rows) {
      this.deviceRefs.set(`${stationId}\u0000${row.deviceId}`, row.id);
      refs.set(row.deviceId, row.id);
    }
    return refs;
  }
}

/** Checks what the schema cannot: known vital codes and finite values. */
export function assertKnownVitals(batch: StationBatch): void {
  for (const o of batch.observations) {
    for (const [code, value] of Object.entries(o.vitals)) {
      if (!vitalByCode(code)) throw new ApiError('invalid_request', `observation ${o.id}: unknown vital code ${code}`);
      if (!Number.isFinite(value)) throw new ApiError('invalid_request', `observation ${o.id}: ${code} is not a finite number`);
    }
  }
}

/** The time span a batch covers (epoch ms), or null when it has no observations. */
function timeSpan(batch: StationBatch): { from: number; to: number } | null {
  if (batch.observations.length === 0) return null;
  let from = Infinity;
  let to = -Infinity;
  for (const { ts } of batch.observations) {
    if (ts < from) from = ts;
    if (ts > to) to = ts;
  }
  return { from, to };
}

function uniquePatients(list: ReadonlyArray<StationPatient | null>): StationPatient[] {
  const byMrn = new Map<string, StationPatient>();
  for (const p of list) if (p && !byMrn.has(p.mrn)) byMrn.set(p.mrn, p);
  return [...byMrn.values()];
}

async function insertAlarmEvents(tx: TransactionSql, stationId: string, origin: string, events: readonly StationAlarmEvent[], patientIds: Map<string, number>): Promise<void> {
  const column = <T>(pick: (e: StationAlarmEvent) => T): T[] => events.map(pick);
  await tx`
    INSERT INTO alarm_events (station_id, origin, event_id, patient_id, at, alarm_id, phase, condition, type, priority, state, inactivation,
                              bed_id, device_id, value, limit_value, actor, reason)
    SELECT ${stationId}, ${origin}, e.* FROM unnest(
      ${column((e) => e.id)}::bigint[], ${column((e) => (e.patient ? patientIds.get(e.patient.mrn)! : null)) as number[]}::bigint[],
      ${column((e) => new Date(e.at).toISOString())}::timestamptz[], ${column((e) => e.alarmId)}::text[], ${column((e) => e.phase)}::text[],
      ${column((e) => e.condition)}::text[], ${column((e) => e.type)}::text[], ${column((e) => e.priority)}::text[],
      ${column((e) => e.state)}::text[], ${column((e) => e.inactivation)}::text[], ${column((e) => e.bedId) as string[]}::text[],
      ${column((e) => e.deviceId) as string[]}::text[], ${column((e) => e.value) as number[]}::real[], ${column((e) => e.limit) as number[]}::real[],
      ${column((e) => e.actor) as string[]}::text[], ${column((e) => e.reason) as string[]}::text[]
    ) AS e
    ON CONFLICT (station_id, origin, event_id) DO NOTHING`;
}

/** The strips around alarms' onsets; a strip already stored (a resend) is left as it is. Returns how many were new. */
async function insertAlarmWaves(tx: TransactionSql, stationId: string, strips: readonly StationAlarmWaves[], patientIds: Map<string, number>): Promise<number> {
  let stored = 0;
  for (const w of strips) {
    const rows = await tx`
      INSERT INTO alarm_waves (station_id, alarm_id, patient_id, at, condition, bed_id, from_ts, to_ts, waves)
      VALUES (${stationId}, ${w.alarmId}, ${patientIds.get(w.patient.mrn)!}, ${new Date(w.at).toISOString()}, ${w.condition}, ${w.bedId},
              ${new Date(w.from).toISOString()}, ${new Date(w.to).toISOString()}, ${tx.json(w.waves as never)})
      ON CONFLICT (station_id, alarm_id) DO NOTHING`;
    stored += rows.count;
  }
  return stored;
}
