import { describe, expect, it } from 'vitest';
import { AvailabilityCache } from './availability-cache.js';
import type { SearchCriteria } from './availability-search.js';

const page = { items: [], nextCursor: null };
const criteria = (over: Partial<SearchCriteria> = {}): SearchCriteria => ({ specialization: 'cardiology', city: 'Springfield', clinicId: null, doctorId: null, from: '2027-03-01', to: '2027-03-07', ...over });
const change = { doctorId: 7, specialization: 'cardiology', clinicId: 3, city: 'Springfield', day: '2027-03-03' };

function cacheWith(...list: SearchCriteria[]): { cache: AvailabilityCache; keys: string[] } {
  const cache = new AvailabilityCache();
  const keys = list.map((c) => {
    const key = AvailabilityCache.key(c, undefined, 20);
    cache.set(key, c, page, cache.generation());
    return key;
  });
  return { cache, keys };
}

describe('availability cache', () => {
  it('drops exactly the entries a change could touch', () => {
    const { cache, keys } = cacheWith(
      criteria(), // same specialization, city, covering the day: dropped
      criteria({ city: null }), // any city: dropped
      criteria({ clinicId: 3, city: null }), // that clinic: dropped
      criteria({ doctorId: 7 }), // that doctor: dropped
      criteria({ specialization: 'dermatology' }), // kept
      criteria({ city: 'Shelbyville' }), // kept
      criteria({ clinicId: 4, city: null }), // kept
      criteria({ doctorId: 8 }), // kept
      criteria({ from: '2027-03-04', to: '2027-03-10' }), // another week: kept
    );
    cache.invalidate(change);
    expect(keys.map((k) => cache.get(k) !== null)).toEqual([false, false, false, false, true, true, true, true, true]);
    cache.invalidate({ ...change, doctorId: 8, day: null }); // a schedule change: every day
    expect(cache.get(keys[7]!)).toBeNull();
    expect(cache.get(keys[8]!)).toBeNull();
  });

  it('does not store a page whose search overlapped an invalidation', () => {
    const cache = new AvailabilityCache();
    const key = AvailabilityCache.key(criteria(), undefined, 20);
    const generation = cache.generation();
    cache.invalidate({ ...change, specialization: 'anything' });
    cache.set(key, criteria(), page, generation);
    expect(cache.get(key)).toBeNull();
  });

  it('expires entries and keeps at most maxEntries, least recently used out first', () => {
    let now = 0;
    const cache = new AvailabilityCache({ ttlMs: 1000, maxEntries: 2 }, () => now);
    const [a, b, c] = ['a', 'b', 'c'].map((s) => AvailabilityCache.key(criteria({ specialization: s }), undefined, 20));
    cache.set(a!, criteria(), page, 0);
    cache.set(b!, criteria(), page, 0);
    expect(cache.get(a!)).not.toBeNull(); // a is now the most recent
    cache.set(c!, criteria(), page, 0);
    expect(cache.get(b!)).toBeNull();
    expect(cache.get(a!)).not.toBeNull();
    now = 1000;
    expect(cache.get(a!)).toBeNull();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('stores no page read from a replica that had not replayed the last change', () => {
    const cache = new AvailabilityCache();
    const key = AvailabilityCache.key(criteria(), undefined, 20);
    cache.holdFills(); // a booking committed; the primary's position after it is being asked
    const during = cache.generation();
    cache.set(key, criteria(), page, during, 100n);
    expect(cache.get(key)).toBeNull(); // held: nothing stored
    cache.releaseFills(200n);
    cache.set(key, criteria(), page, cache.generation(), 150n); // a replica still before the change
    expect(cache.get(key)).toBeNull();
    cache.set(key, criteria(), page, cache.generation(), 200n); // a replica that has it
    expect(cache.get(key)).toBe(page);
  });

  it("serves a client's read-after-write only from a page read at or past that write", () => {
    const cache = new AvailabilityCache();
    const key = AvailabilityCache.key(criteria(), undefined, 20);
    cache.set(key, criteria(), page, cache.generation(), 300n);
    expect(cache.get(key, 301n)).toBeNull();
    expect(cache.get(key, 300n)).toBe(page);
    expect(cache.get(key)).toBe(page);
  });
});
