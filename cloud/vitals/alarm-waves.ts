import { Type, type Static } from '@sinclair/typebox';
import { run, type Sql } from '../db/sql.js';
import type { StationWaveStretch } from '../../gateway/protocol/sync-batch.js';

const Stretch = Type.Object({
  startTs: Type.Number({ description: 'epoch ms of the first sample' }),
  sampleRate: Type.Integer({ description: 'samples per second' }),
  scale: Type.Number(),
  offset: Type.Number(),
  samples: Type.Array(Type.Integer(), { description: 'raw values: value = raw × scale + offset in the wave\'s unit; -32768 is no sample' }),
});

export const AlarmWavesResponse = Type.Object({
  alarmId: Type.String(),
  stationId: Type.String(),
  bedId: Type.Union([Type.String(), Type.Null()]),
  condition: Type.String(),
  at: Type.Number({ description: 'onset, epoch ms' }),
  from: Type.Number(),
  to: Type.Number(),
  waves: Type.Record(Type.String(), Type.Array(Stretch), { description: 'ECG_II (mV), PLETH, RESP: stretches in time order; time between stretches is a gap' }),
});
export type AlarmWavesResponse = Static<typeof AlarmWavesResponse>;
export type AlarmWavesStretch = Static<typeof Stretch>;

/** Raw samples of a stretch as the station sent them (int16 little-endian, base64). */
export function decodeStretch(stretch: StationWaveStretch): AlarmWavesStretch {
  const bytes = Buffer.from(stretch.samples, 'base64');
  const samples = new Array<number>(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return { startTs: stretch.startTs, sampleRate: stretch.sampleRate, scale: stretch.scale, offset: stretch.offset, samples };
}

interface Row {
  alarmId: string;
  stationId: string;
  bedId: string | null;
  condition: string;
  at: Date;
  from: Date;
  to: Date;
  waves: Record<string, StationWaveStretch[]>;
}

export const SELECT_ALARM_WAVES = `SELECT alarm_id AS "alarmId", station_id AS "stationId", bed_id AS "bedId", condition, at, from_ts AS "from", to_ts AS "to", waves
FROM alarm_waves`;

export function toResponse(row: Row): AlarmWavesResponse {
  const waves: Record<string, AlarmWavesStretch[]> = {};
  for (const [code, stretches] of Object.entries(row.waves)) waves[code] = stretches.map(decodeStretch);
  return { alarmId: row.alarmId, stationId: row.stationId, bedId: row.bedId, condition: row.condition, at: row.at.getTime(), from: row.from.getTime(), to: row.to.getTime(), waves };
}

/** The strip stored for one alarm of a patient, or null. */
export async function alarmWaves(sql: Sql, patientId: number, alarmId: string): Promise<AlarmWavesResponse | null> {
  const [row] = await run<Row>(sql, `${SELECT_ALARM_WAVES} WHERE patient_id = $1 AND alarm_id = $2 LIMIT 1`, [patientId, alarmId]);
  return row ? toResponse(row) : null;
}
