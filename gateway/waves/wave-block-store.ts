import type { Database, Statement } from 'better-sqlite3';
import type { WaveCode } from '../protocol/wave-frames.js';
import { encodeWaveSamples, WAVE_ENCODING_DELTA2_DEFLATE } from './wave-codec.js';
import { CompactedSeqs } from './wave-compaction.js';

/**
 * A batch of wave blocks in plain arrays, so it crosses to the writer thread with a cheap
 * structured clone (the samples as typed arrays). The thread compresses them, off the event loop.
 */
export interface EncodedWaveBatch {
  readonly receivedAt: number;
  readonly deviceIds: string[];
  readonly seqs: number[];
  readonly waves: WaveCode[];
  readonly startTs: number[];
  readonly sampleRates: number[];
  readonly scales: number[];
  readonly offsets: number[];
  readonly bedIds: Array<string | null>;
  readonly patientIds: Array<number | null>;
  readonly samples: Int16Array[];
}

export const INSERT_WAVE_BLOCK = `INSERT OR IGNORE INTO wave_blocks
  (device_id, seq, wave, start_ts, sample_rate, sample_count, scale, value_offset, received_at, bed_id, patient_id, encoding, samples)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Prepares the statement once; returns a function committing one batch per transaction (ids, 0 =
 * duplicate). A frame is a duplicate when its (device, seq) row exists, or when its seq is at or
 * below what was merged into segments for its device (gateway/waves/wave-compaction.ts).
 */
export function waveBatchCommitter(db: Database, compacted = new CompactedSeqs(db)): (batch: EncodedWaveBatch) => { ids: number[] } {
  const insert: Statement = db.prepare(INSERT_WAVE_BLOCK);
  const inTransaction = db.transaction((batch: EncodedWaveBatch, encoded: Buffer[]) => {
    const ids: number[] = new Array(batch.deviceIds.length);
    for (let i = 0; i < batch.deviceIds.length; i++) {
      if (batch.seqs[i]! <= compacted.highest(batch.deviceIds[i]!)) {
        ids[i] = 0;
        continue;
      }
      const samples = batch.samples[i]!;
      const info = insert.run(
        batch.deviceIds[i],
        batch.seqs[i],
        batch.waves[i],
        batch.startTs[i],
        batch.sampleRates[i],
        samples.length,
        batch.scales[i],
        batch.offsets[i],
        batch.receivedAt,
        batch.bedIds[i],
        batch.patientIds[i],
        WAVE_ENCODING_DELTA2_DEFLATE,
        encoded[i],
      );
      ids[i] = info.changes === 0 ? 0 : Number(info.lastInsertRowid);
    }
    return { ids };
  });
  // Compressed before the transaction opens: the write lock is held only for the inserts.
  return (batch) => inTransaction(batch, batch.samples.map(encodeWaveSamples));
}
