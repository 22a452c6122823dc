import type { Placement } from '../storage/observation-writer.js';
import type { EncodedWaveBatch } from './wave-block-store.js';
import type { WaveBlock, WaveSink } from './wave-sink.js';
import { GroupCommitQueue } from '../storage/group-commit.js';

/** Something that commits wave batches one at a time, in order (the storage writer thread). */
export interface WaveBatchExecutor {
  commitWaves(batch: EncodedWaveBatch): Promise<{ readonly ids: readonly number[] }>;
}

export interface WaveWriterOptions {
  /** Where a device's data goes now (its bed and the patient admitted there). */
  readonly place: (deviceId: string) => Placement;
  /** Largest number of blocks per transaction (a block is about a second of one wave). */
  readonly maxBatch?: number;
  /**
   * Least time between two wave commits. Waves arrive steadily from every bed; a few ms of
   * waiting lets one fsync cover the blocks of many beds instead of one each.
   */
  readonly minCommitIntervalMs?: number;
  readonly now?: () => number;
  /** Called when a commit failed; the affected `store` promises reject. */
  readonly onError?: (error: Error) => void;
  /** Called after each commit with the number of blocks newly stored. */
  readonly onCommit?: (stored: number) => void;
}

/**
 * Group commit for wave blocks (GroupCommitQueue), on the same writer thread as the vitals (one
 * thread owns every write, in order), one batch at a time. Blocks queued while a commit is under
 * way share the next transaction. When a block of a connection is committed, every earlier block
 * of that connection is too: what makes the cumulative `wave_ack` honest.
 *
 * Memory: each device connection stops being read at 64 frames awaiting commit (its numeric and
 * wave frames together), so at most 64 blocks (≤ 128 KiB) per connection wait here.
 */
export class WaveWriter implements WaveSink {
  private readonly queue: GroupCommitQueue<WaveBlock, EncodedWaveBatch>;
  private readonly now: () => number;
  /** Blocks committed since start (duplicates excluded), for status and benchmarks. */
  committedCount = 0;

  constructor(
    executor: WaveBatchExecutor,
    private readonly options: WaveWriterOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.queue = new GroupCommitQueue({
      maxBatch: options.maxBatch ?? 2000,
      maxBatchesInFlight: 1,
      minCommitIntervalMs: options.minCommitIntervalMs ?? 5,
      closedMessage: 'wave storage is closed',
      encode: (blocks) => this.encode(blocks),
      commit: (batch) => executor.commitWaves(batch),
      committed: (_blocks, _batch, ids) => {
        const stored = ids.filter((id) => id !== 0).length;
        this.committedCount += stored;
        options.onCommit?.(stored);
      },
      failed: (error) => options.onError?.(error),
    });
  }

  get pending(): number {
    return this.queue.pending;
  }

  store(block: WaveBlock): Promise<'stored' | 'duplicate'> {
    return this.queue.store(block);
  }

  /** Resolves when everything queued so far is committed (or failed). */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  /** Commits what is queued and refuses more; the executor belongs to the observation writer. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private encode(blocks: readonly WaveBlock[]): EncodedWaveBatch {
    const encoded: EncodedWaveBatch = {
      receivedAt: this.now(),
      deviceIds: [],
      seqs: [],
      waves: [],
      startTs: [],
      sampleRates: [],
      scales: [],
      offsets: [],
      bedIds: [],
      patientIds: [],
      samples: [],
    };
    for (const block of blocks) {
      const placement = this.options.place(block.deviceId);
      const f = block.frame;
      encoded.deviceIds.push(block.deviceId);
      encoded.seqs.push(f.seq);
      encoded.waves.push(f.wave);
      encoded.startTs.push(f.startTs);
      encoded.sampleRates.push(f.sampleRate);
      encoded.scales.push(f.scale);
      encoded.offsets.push(f.offset);
      encoded.bedIds.push(placement.bedId);
      encoded.patientIds.push(placement.patientId);
      encoded.samples.push(f.samples);
    }
    return encoded;
  }
}
