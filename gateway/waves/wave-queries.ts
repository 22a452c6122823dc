import type { Database, Statement } from 'better-sqlite3';
import type { WaveCode } from '../protocol/wave-frames.js';
import { decodeWaveSamples, WAVE_ENCODING_DELTA2_DEFLATE } from './wave-codec.js';
import { WAVE_SEGMENT_SECONDS } from './wave-compaction.js';

/** A stored block, decoded. */
export interface StoredWaveBlock {
  readonly deviceId: string;
  readonly seq: number;
  readonly wave: WaveCode;
  readonly startTs: number;
  readonly sampleRate: number;
  readonly scale: number;
  readonly offset: number;
  readonly samples: Int16Array;
}

/**
 * Uses wave_blocks_patient_wave_ts. A block starting up to a minute (the longest segment) before
 * `from` may still reach into the range.
 */
export const SELECT_PATIENT_WAVE_BLOCKS = `SELECT device_id AS deviceId, seq, wave, start_ts AS startTs, sample_rate AS sampleRate,
  sample_count AS sampleCount, scale, value_offset AS "offset", encoding, samples
FROM wave_blocks WHERE patient_id = ? AND wave = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts, id LIMIT ?`;

const SELECT_DEVICE_BLOCKS = `SELECT device_id AS deviceId, seq, wave, start_ts AS startTs, sample_rate AS sampleRate,
  sample_count AS sampleCount, scale, value_offset AS "offset", encoding, samples
FROM wave_blocks WHERE device_id = ? ORDER BY seq`;

interface Row {
  deviceId: string;
  seq: number;
  wave: WaveCode;
  startTs: number;
  sampleRate: number;
  sampleCount: number;
  scale: number;
  offset: number;
  encoding: number;
  samples: Buffer;
}

function decode(row: Row): StoredWaveBlock {
  if (row.encoding !== WAVE_ENCODING_DELTA2_DEFLATE) throw new Error(`wave block encoding ${row.encoding} is unknown`);
  const { sampleCount, encoding: _encoding, samples, ...rest } = row;
  return { ...rest, samples: decodeWaveSamples(samples, sampleCount) };
}

export class WaveQueries {
  private readonly byPatient: Statement;
  private readonly byDevice: Statement;

  constructor(db: Database) {
    this.byPatient = db.prepare(SELECT_PATIENT_WAVE_BLOCKS);
    this.byDevice = db.prepare(SELECT_DEVICE_BLOCKS);
  }

  /** A patient's blocks of one wave overlapping [from, to), oldest first, at most `limit`. */
  patientBlocks(patientId: number, wave: WaveCode, from: number, to: number, limit = 2000): StoredWaveBlock[] {
    const rows = this.byPatient.all(patientId, wave, from - WAVE_SEGMENT_SECONDS * 1000, to, limit) as Row[];
    return rows.filter((r) => r.startTs + (r.sampleCount * 1000) / r.sampleRate > from).map(decode);
  }

  /** Every block of a device, by seq (tests, export). */
  deviceBlocks(deviceId: string): StoredWaveBlock[] {
    return (this.byDevice.all(deviceId) as Row[]).map(decode);
  }
}

/**
 * The highest wave seq stored for a device (0 if none): where a restarted demo monitor continues.
 * A segment's row carries its first frame's seq; the last merged one is in wave_compaction.
 */
export function lastWaveSeq(db: Database, deviceId: string): number {
  const stored = (db.prepare('SELECT max(seq) AS seq FROM wave_blocks WHERE device_id = ?').get(deviceId) as { seq: number | null }).seq ?? 0;
  const merged = (db.prepare('SELECT last_seq AS seq FROM wave_compaction WHERE device_id = ?').get(deviceId) as { seq: number } | undefined)?.seq ?? 0;
  return Math.max(stored, merged);
}
