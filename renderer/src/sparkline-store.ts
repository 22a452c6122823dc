import type { UiEvent } from '../../gateway/protocol/ui-channel.js';
import type { VitalCode } from '../../gateway/protocol/vitals.js';

/** Vitals drawn as tile sparklines. */
export const SPARK_VITALS: readonly VitalCode[] = ['HR', 'SPO2'];
/** How much history a sparkline shows. */
export const SPARK_WINDOW_MS = 10 * 60_000;
const CAPACITY = 720;

/** A fixed-size ring of (time, value): no allocation per sample, bounded memory per bed. */
export class Ring {
  readonly ts = new Float64Array(CAPACITY);
  readonly values = new Float32Array(CAPACITY);
  start = 0;
  size = 0;

  push(ts: number, value: number): void {
    const at = (this.start + this.size) % CAPACITY;
    this.ts[at] = ts;
    this.values[at] = value;
    if (this.size < CAPACITY) this.size++;
    else this.start = (this.start + 1) % CAPACITY;
  }

  /** Adds history older than what the ring holds (from the gateway, when the page opens). */
  prepend(points: ReadonlyArray<readonly [number, number]>): void {
    const first = this.size > 0 ? this.ts[this.start]! : Infinity;
    const kept: Array<[number, number]> = [];
    for (const [ts, value] of points) if (ts < first) kept.push([ts, value]);
    this.forEach(-Infinity, (ts, value) => kept.push([ts, value]));
    this.start = 0;
    this.size = 0;
    for (const [ts, value] of kept.slice(-CAPACITY)) this.push(ts, value);
  }

  forEach(from: number, fn: (ts: number, value: number) => void): void {
    for (let i = 0; i < this.size; i++) {
      const k = (this.start + i) % CAPACITY;
      if (this.ts[k]! >= from) fn(this.ts[k]!, this.values[k]!);
    }
  }
}

/**
 * Recent history per bed for the sparklines, kept outside React state: pushed updates append to
 * rings, and only the tiles on screen read them when they draw.
 */
export class SparklineStore {
  private readonly rings = new Map<string, Map<VitalCode, Ring>>();
  version = 0;

  apply(event: UiEvent): void {
    if (event.type !== 'vitals') return;
    for (const update of event.updates) {
      for (const code of SPARK_VITALS) {
        const value = update.values[code];
        if (value === undefined) continue;
        this.ring(update.bedId, code).push(update.ts, value);
      }
    }
    this.version++;
  }

  /** History fetched from the gateway: the tiles draw it at their next clock tick. */
  seed(history: Readonly<Record<string, Partial<Record<'HR' | 'SPO2', ReadonlyArray<readonly [number, number]>>>>>): void {
    for (const [bedId, series] of Object.entries(history)) {
      for (const code of SPARK_VITALS) {
        const points = series[code as 'HR' | 'SPO2'];
        if (points && points.length > 0) this.ring(bedId, code).prepend(points);
      }
    }
    this.version++;
  }

  ring(bedId: string, code: VitalCode): Ring {
    let bed = this.rings.get(bedId);
    if (!bed) this.rings.set(bedId, (bed = new Map()));
    let ring = bed.get(code);
    if (!ring) bed.set(code, (ring = new Ring()));
    return ring;
  }
}
