import { run, type Sql } from '../db/sql.js';
import { MAX_AHEAD_MS } from '../ingest/sample-time-window.js';
import { vitalById } from '../../gateway/protocol/vitals.js';

export interface LatestValue {
  readonly ts: number;
  readonly value: number;
}

export interface LatestVitals {
  readonly patientId: number;
  /** code → newest value, its unit and time (epoch ms). */
  readonly vitals: Record<string, { value: number; unit: string; ts: number }>;
}

interface Entry {
  readonly values: Map<number, LatestValue>;
  readonly loadedAt: number;
}

/** A value stamped ahead of the clock is never served (ingest refuses them; this guards the rest). */
export const SELECT_LATEST = `SELECT vital, (extract(epoch FROM ts) * 1000)::float8 AS ts, value FROM latest_vitals
WHERE patient_id = $1 AND ts <= now() + interval '5 minutes'`;

/**
 * Latest vitals per patient, served from memory. The replica that ingests merges the new values
 * in; every other replica drops the patient's entry when the ingest's NOTIFY arrives, and all of
 * it when its listening connection was lost (it may have missed notices). As a last guard an
 * entry is never served older than `maxAgeMs`, so no replica can serve stale data forever.
 */
export class LatestVitalsCache {
  private readonly entries = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<Entry>>();
  private generation = 0;

  constructor(
    private readonly sql: Sql,
    private readonly options: { maxAgeMs: number; maxEntries: number } = { maxAgeMs: 30_000, maxEntries: 100_000 },
    private readonly now: () => number = Date.now,
  ) {}

  async get(patientId: number): Promise<LatestVitals> {
    const cached = this.entries.get(patientId);
    const entry = cached && this.now() - cached.loadedAt < this.options.maxAgeMs ? cached : await this.load(patientId);
    const vitals: LatestVitals['vitals'] = {};
    const latestAllowed = this.now() + MAX_AHEAD_MS;
    for (const [id, latest] of [...entry.values].sort((a, b) => a[0] - b[0])) {
      const def = vitalById(id);
      if (def && latest.ts <= latestAllowed) vitals[def.code] = { value: latest.value, unit: def.unit, ts: latest.ts };
    }
    return { patientId, vitals };
  }

  /** This replica stored newer values: fold them into a cached entry (if any). */
  merge(patientId: number, values: ReadonlyMap<number, LatestValue>): void {
    const entry = this.entries.get(patientId);
    if (!entry) return;
    const latestAllowed = this.now() + MAX_AHEAD_MS;
    for (const [vital, latest] of values) {
      if (latest.ts > latestAllowed) continue;
      const current = entry.values.get(vital);
      if (!current || current.ts <= latest.ts) entry.values.set(vital, latest);
    }
  }

  /** Another replica stored values for these patients. */
  invalidate(patientIds: Iterable<number>): void {
    for (const id of patientIds) this.entries.delete(id);
    this.generation++;
  }

  clear(): void {
    this.entries.clear();
    this.generation++;
  }

  private load(patientId: number): Promise<Entry> {
    const pending = this.loading.get(patientId);
    if (pending) return pending;
    const generation = this.generation;
    const promise = run<{ vital: number; ts: number; value: number }>(this.sql, SELECT_LATEST, [patientId])
      .then((rows) => {
        const entry: Entry = { values: new Map(rows.map((r) => [r.vital, { ts: r.ts, value: r.value }])), loadedAt: this.now() };
        // An invalidation during the load may concern this patient: serve it, but do not keep it.
        if (generation === this.generation) this.remember(patientId, entry);
        return entry;
      })
      .finally(() => this.loading.delete(patientId));
    this.loading.set(patientId, promise);
    return promise;
  }

  private remember(patientId: number, entry: Entry): void {
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(patientId, entry);
  }
}
