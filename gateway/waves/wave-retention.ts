import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../log.js';
import type { StorageUse } from '../storage/retention.js';
import { WAVE_SEGMENT_SECONDS } from './wave-compaction.js';

export const SELECT_WAVE_ID_RANGE = 'SELECT min(id) AS first, max(id) AS last FROM wave_blocks';
/** The rowid lookup a binary search needs: the first block at or after an id. */
export const SELECT_RECEIVED_AT_FROM = 'SELECT received_at AS receivedAt FROM wave_blocks WHERE id >= ? ORDER BY id LIMIT 1';
/** Deletes in slices so the writer is never blocked for long. */
export const DELETE_WAVE_BLOCKS_UP_TO = 'DELETE FROM wave_blocks WHERE id IN (SELECT id FROM wave_blocks WHERE id <= ? ORDER BY id LIMIT ?)';

const SLICE = 5000;

/**
 * Keeps full disclosure within its window (72 h by default) and the disk budget. Waves are only
 * on the station, but they are the largest and least critical data: over 80 % of the budget,
 * after the vitals already in the cloud have given way, the oldest blocks go first, even inside
 * the window; unsynced vitals and alarms never give way to waves.
 *
 * Blocks get increasing ids in commit order and `received_at` is the commit's time, so the
 * window's cut is found by a binary search over ids: no index on time is needed.
 */
export class WaveRetention {
  private readonly range: Statement;
  private readonly receivedAtFrom: Statement;
  private readonly deleteUpTo: Statement;

  constructor(
    db: Database,
    private readonly options: { waveRetentionHours: number },
    private readonly use: () => StorageUse,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.range = db.prepare(SELECT_WAVE_ID_RANGE);
    this.receivedAtFrom = db.prepare(SELECT_RECEIVED_AT_FROM);
    this.deleteUpTo = db.prepare(DELETE_WAVE_BLOCKS_UP_TO);
  }

  /** One pass; returns the number of blocks deleted. */
  run(): number {
    // A segment is filed under its first frame's receipt: a minute more keeps all of its last
    // frame's window (gateway/waves/wave-compaction.ts).
    const before = this.now() - this.options.waveRetentionHours * 3600_000 - WAVE_SEGMENT_SECONDS * 1000;
    const cut = this.lastIdReceivedBefore(before);
    let deleted = cut === null ? 0 : this.deleteUpToId(cut);
    let use = this.use();
    while (use.bytes > use.budgetBytes * 0.8) {
      const { first } = this.range.get() as { first: number | null };
      if (first === null) break;
      const removed = this.deleteUpToId(first + SLICE - 1);
      if (removed === 0) break;
      deleted += removed;
      use = this.use();
    }
    if (deleted > 0) this.logger.info({ deleted }, 'wave retention pass');
    return deleted;
  }

  /** Largest id whose block was received before `before`, or null. */
  private lastIdReceivedBefore(before: number): number | null {
    const { first, last } = this.range.get() as { first: number | null; last: number | null };
    if (first === null || last === null) return null;
    const receivedAt = (id: number) => (this.receivedAtFrom.get(id) as { receivedAt: number }).receivedAt;
    if (receivedAt(first) >= before) return null;
    let lo = first;
    let hi = last;
    // Invariant: the block at or after lo was received before the cut.
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (receivedAt(mid) < before) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private deleteUpToId(id: number): number {
    let total = 0;
    for (;;) {
      const n = this.deleteUpTo.run(id, SLICE).changes;
      total += n;
      if (n < SLICE) return total;
    }
  }
}
