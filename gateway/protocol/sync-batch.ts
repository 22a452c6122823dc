/**
 * The station → cloud sync contract: the batch a station sends and the cloud's answer, as TypeBox
 * schemas. The cloud validates requests with them; the station builds its batches to their static
 * type; the tests' fake cloud checks what the station sends against them. Pure: no Node APIs.
 */
import { Type, type Static } from '@sinclair/typebox';

export const StationPatient = Type.Object({
  mrn: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ maxLength: 200 }),
  birthDate: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()]),
});

/** Epoch milliseconds between 2000 and 2100: anything else is a clock fault, not a measurement. */
const EpochMs = Type.Integer({ minimum: 946684800000, maximum: 4102444800000 });

export const StationObservation = Type.Object({
  id: Type.Integer({ minimum: 1, description: "the station's row id: increasing, the sync cursor" }),
  deviceId: Type.String({ minLength: 1, maxLength: 128 }),
  bedId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  ts: EpochMs,
  patient: Type.Union([StationPatient, Type.Null()]),
  vitals: Type.Record(Type.String({ pattern: '^[A-Z0-9_]{1,16}$' }), Type.Number(), { description: 'canonical code → value in its fixed unit' }),
});

export const StationAlarmEvent = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  alarmId: Type.String({ maxLength: 128 }),
  phase: Type.Union([Type.Literal('start'), Type.Literal('update'), Type.Literal('end')]),
  at: EpochMs,
  condition: Type.String({ maxLength: 64 }),
  type: Type.Union([Type.Literal('physiological'), Type.Literal('technical')]),
  priority: Type.Union([Type.Literal('PH'), Type.Literal('PM'), Type.Literal('PL')]),
  state: Type.String({ maxLength: 16 }),
  inactivation: Type.String({ maxLength: 16 }),
  bedId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  deviceId: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
  patient: Type.Union([StationPatient, Type.Null()]),
  value: Type.Union([Type.Number(), Type.Null()]),
  limit: Type.Union([Type.Number(), Type.Null()]),
  actor: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
  reason: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
});

/** A stretch of one stored wave with no gap inside, its samples as int16 little-endian in base64. */
export const StationWaveStretch = Type.Object({
  startTs: Type.Number({ minimum: 946684800000, maximum: 4102444800000 }),
  sampleRate: Type.Integer({ minimum: 125, maximum: 500 }),
  scale: Type.Number(),
  offset: Type.Number(),
  samples: Type.String({ maxLength: 1_000_000, pattern: '^[A-Za-z0-9+/]*={0,2}$', description: 'int16 little-endian, base64; -32768 is no sample' }),
});

/**
 * The stored waves around one alarm's onset (when the station is set to send them): from
 * `beforeSeconds` before to `afterSeconds` after, for a physician to see the strip that triggered it.
 */
export const StationAlarmWaves = Type.Object({
  id: Type.Integer({ minimum: 1, description: "the alarm's start event row id (the stream's cursor)" }),
  alarmId: Type.String({ maxLength: 128 }),
  at: EpochMs,
  condition: Type.String({ maxLength: 64 }),
  bedId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  patient: StationPatient,
  from: EpochMs,
  to: EpochMs,
  waves: Type.Record(Type.String({ pattern: '^[A-Z0-9_]{1,16}$' }), Type.Array(StationWaveStretch, { maxItems: 200 }), { description: 'wave code (ECG_II, PLETH, RESP) → stretches in time order' }),
});

/** PUT /v1/stations/{stationId}/batches/{batchId}: what a station sends (gzip JSON). */
export const StationBatch = Type.Object({
  origin: Type.Optional(
    Type.String({ pattern: '^[0-9A-Za-z_-]{1,64}$', description: "the station database's id: row ids (and so the cursors) are per database" }),
  ),
  observations: Type.Array(StationObservation, { maxItems: 20_000 }),
  alarmEvents: Type.Array(StationAlarmEvent, { maxItems: 20_000 }),
  alarmWaves: Type.Optional(Type.Array(StationAlarmWaves, { maxItems: 20, description: 'sent only when the other streams are caught up' })),
});

export type StationBatch = Static<typeof StationBatch>;
export type StationAlarmWaves = Static<typeof StationAlarmWaves>;
export type StationWaveStretch = Static<typeof StationWaveStretch>;
export type StationPatient = Static<typeof StationPatient>;
export type StationObservation = Static<typeof StationObservation>;
export type StationAlarmEvent = Static<typeof StationAlarmEvent>;

export const BatchResult = Type.Object({
  batchId: Type.String(),
  replayed: Type.Boolean({ description: 'true when this batch id was already stored: nothing was written again' }),
  observations: Type.Object({ stored: Type.Integer(), duplicates: Type.Integer() }),
  values: Type.Integer({ description: 'vital values stored' }),
  alarmEvents: Type.Object({ stored: Type.Integer(), duplicates: Type.Integer() }),
  alarmWaves: Type.Optional(Type.Object({ stored: Type.Integer(), duplicates: Type.Integer() })),
  refused: Type.Array(
    Type.Object({
      stream: Type.Union([Type.Literal('observations'), Type.Literal('alarmEvents'), Type.Literal('alarmWaves')]),
      id: Type.Integer(),
      reason: Type.Union([Type.Literal('future'), Type.Literal('too_old'), Type.Literal('foreign_patient')]),
      message: Type.String(),
    }),
    { description: 'rows not stored: their time is ahead of the cloud clock by more than 5 min or older than the retention, or their patient belongs to another facility; not sent again' },
  ),
  identityConflicts: Type.Integer({ description: 'patients this batch named with another name or birth date than the cloud has (stored under the MRN, listed at /v1/patients/identity-conflicts)' }),
});
export type BatchResult = Static<typeof BatchResult>;
