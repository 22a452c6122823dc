import type { SearchCriteria, SlotPage } from './availability-search.js';

/** What changed in a doctor's availability: one local day, or every day (schedule, exception). */
export interface AvailabilityChange {
  readonly doctorId: number;
  readonly specialization: string;
  readonly clinicId: number;
  readonly city: string;
  /** Local date YYYY-MM-DD of the clinic, or null for every day. */
  readonly day: string | null;
}

export const AVAILABILITY_CHANNEL = 'booking_availability';

interface Entry {
  readonly criteria: SearchCriteria;
  readonly page: SlotPage;
  readonly expiresAt: number;
  /** A log position the page's data includes (ReadRoute.lsn); null without replicas. */
  readonly lsn: bigint | null;
}

/**
 * Popular searches kept in memory, per replica. An entry is dropped when a doctor it could
 * contain changes on a day it covers (book, cancel, schedule, exception); every replica learns of
 * changes through the cluster bus, and drops everything when the bus reconnects (it may have
 * missed some). A search that ran while anything was invalidated is not stored (its snapshot may
 * predate the change): `generation()` before the query, `set(..., generation)` after. The TTL
 * only bounds how long a slot that has begun meanwhile can still be listed; it is filtered out
 * on the way out anyway.
 *
 * With streaming replicas, a search that starts after an invalidation may still read a replica
 * that has not replayed the change. So each invalidation also holds fills until the primary's
 * log position after the change is known (`holdFills`, `releaseFills`), and a page read below
 * that position is not stored. A client that asks to see its own write (X-Read-After) is served
 * from the cache only by a page read at or past that write.
 */
export class AvailabilityCache {
  private readonly entries = new Map<string, Entry>();
  private gen = 0;
  private heldFills = 0;
  private fillFloor = 0n;
  hits = 0;
  misses = 0;

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number } = { ttlMs: 30_000, maxEntries: 5000 },
    private readonly now: () => number = Date.now,
  ) {}

  static key(criteria: SearchCriteria, cursor: string | undefined, limit: number): string {
    return JSON.stringify([criteria.specialization, criteria.city, criteria.clinicId, criteria.doctorId, criteria.from, criteria.to, cursor ?? null, limit]);
  }

  generation(): number {
    return this.gen;
  }

  get(key: string, readAfter: bigint | null = null): SlotPage | null {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(key);
      this.misses++;
      return null;
    }
    if (readAfter !== null && (entry.lsn === null || entry.lsn < readAfter)) {
      this.misses++;
      return null;
    }
    // Re-insert: Map order is the LRU order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.page;
  }

  set(key: string, criteria: SearchCriteria, page: SlotPage, generation: number, lsn: bigint | null = null): void {
    if (generation !== this.gen || this.heldFills > 0) return;
    if (lsn !== null && lsn < this.fillFloor) return;
    this.entries.set(key, { criteria, page, expiresAt: this.now() + this.options.ttlMs, lsn });
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  invalidate(change: AvailabilityChange): void {
    this.gen++;
    for (const [key, { criteria: c }] of this.entries) {
      if (c.specialization !== change.specialization) continue;
      if (c.city !== null && c.city !== change.city) continue;
      if (c.clinicId !== null && c.clinicId !== change.clinicId) continue;
      if (c.doctorId !== null && c.doctorId !== change.doctorId) continue;
      if (change.day !== null && (change.day < c.from || change.day > c.to)) continue;
      this.entries.delete(key);
    }
  }

  /** A change committed whose log position is not known yet: store nothing until it is. */
  holdFills(): void {
    this.gen++;
    this.heldFills++;
  }

  /**
   * The primary's position after that change: pages read below it are not stored from now on.
   * null when it could not be learnt: only searches started from now on may fill.
   */
  releaseFills(floor: bigint | null): void {
    this.heldFills = Math.max(0, this.heldFills - 1);
    if (floor === null) this.gen++;
    else if (floor > this.fillFloor) this.fillFloor = floor;
  }

  clear(): void {
    this.gen++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
