import { isWirePriority, PRIORITIES, type WirePriority } from './alarm-colours.js';

/** One alarm event as the tally needs it; `key` identifies the alarm across its events. */
export interface TallyEvent {
  readonly at: number;
  readonly key: string;
  readonly phase: string;
  readonly bed: string | null;
  readonly condition: string;
  readonly type: string;
  readonly priority: string;
  readonly acknowledged: boolean;
}

type Counts = Record<WirePriority, number>;
const zero = (): Counts => ({ PH: 0, PM: 0, PL: 0 });

interface Group {
  counts: Counts;
  total: number;
  alarmMs: number;
  ackDelays: number[];
  unacknowledged: number;
}

export interface BedTally {
  readonly bed: string | null;
  readonly counts: Counts;
  readonly total: number;
  readonly alarmMs: number;
  readonly medianAckMs: number | null;
  readonly unacknowledged: number;
}

export interface ConditionTally extends BedTally {
  readonly condition: string;
  readonly type: string;
  /** Distinct beds; 0 when every alarm was the station's own. */
  readonly beds: number;
  readonly bedsByPriority: Counts;
  /** Some of its alarms belonged to no bed (the station itself). */
  readonly stationWide: boolean;
  readonly highest: WirePriority;
}

interface OpenAlarm {
  start: number;
  bed: string | null;
  condition: string;
  type: string;
  priority: WirePriority;
  ackAt: number | null;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Folds a ward's alarm events (in time order) into counts per interval, per bed and per
 * condition, with the time each alarm lasted and how long it took to be acknowledged. Pure: the
 * report streams rows in, and only alarms still open are held.
 */
export class AlarmTally {
  private readonly open = new Map<string, OpenAlarm>();
  private readonly beds = new Map<string | null, Group>();
  private readonly conditions = new Map<string, Group & { type: string; bedSet: Set<string>; bedsByPriority: Record<WirePriority, Set<string>>; stationWide: boolean }>();
  private readonly ward: Group = { counts: zero(), total: 0, alarmMs: 0, ackDelays: [], unacknowledged: 0 };
  private readonly perInterval: Record<WirePriority, number[]>;
  private readonly totals = zero();

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly intervalMs: number,
  ) {
    const n = Math.ceil((to - from) / intervalMs);
    this.perInterval = { PH: new Array<number>(n).fill(0), PM: new Array<number>(n).fill(0), PL: new Array<number>(n).fill(0) };
  }

  add(event: TallyEvent): void {
    if (event.phase === 'start') {
      if (!isWirePriority(event.priority)) return;
      this.open.set(event.key, { start: event.at, bed: event.bed, condition: event.condition, type: event.type, priority: event.priority, ackAt: event.acknowledged ? event.at : null });
      const slot = Math.floor((event.at - this.from) / this.intervalMs);
      if (slot >= 0 && slot < this.perInterval[event.priority].length) this.perInterval[event.priority][slot]!++;
      this.totals[event.priority]++;
      return;
    }
    const alarm = this.open.get(event.key);
    if (!alarm) return; // started before the period: not counted
    if (event.acknowledged && alarm.ackAt === null) alarm.ackAt = event.at;
    if (event.phase === 'end') {
      this.close(alarm, event.at);
      this.open.delete(event.key);
    }
  }

  finish(): { perInterval: Record<WirePriority, number[]>; totals: Counts; ward: BedTally; beds: BedTally[]; conditions: ConditionTally[] } {
    for (const alarm of this.open.values()) this.close(alarm, this.to);
    this.open.clear();
    const bedTally = (bed: string | null, g: Group): BedTally => ({ bed, counts: g.counts, total: g.total, alarmMs: g.alarmMs, medianAckMs: median(g.ackDelays), unacknowledged: g.unacknowledged });
    const beds = [...this.beds.entries()].map(([bed, g]) => bedTally(bed, g));
    // Beds in natural order ("B2" before "B10"), the station's own alarms last.
    beds.sort((a, b) => (a.bed === null ? 1 : b.bed === null ? -1 : a.bed.localeCompare(b.bed, 'en', { numeric: true })));
    const conditions = [...this.conditions.entries()].map(([condition, g]): ConditionTally => ({
      ...bedTally(null, g),
      condition,
      type: g.type,
      beds: g.bedSet.size,
      bedsByPriority: { PH: g.bedsByPriority.PH.size, PM: g.bedsByPriority.PM.size, PL: g.bedsByPriority.PL.size },
      stationWide: g.stationWide,
      highest: PRIORITIES.find((p) => g.counts[p] > 0) ?? 'PL',
    }));
    conditions.sort((a, b) => b.total - a.total || a.condition.localeCompare(b.condition));
    return { perInterval: this.perInterval, totals: this.totals, ward: bedTally(null, this.ward), beds, conditions };
  }

  private close(alarm: OpenAlarm, end: number): void {
    let bed = this.beds.get(alarm.bed);
    if (!bed) this.beds.set(alarm.bed, (bed = { counts: zero(), total: 0, alarmMs: 0, ackDelays: [], unacknowledged: 0 }));
    let condition = this.conditions.get(alarm.condition);
    if (!condition) {
      this.conditions.set(alarm.condition, (condition = { counts: zero(), total: 0, alarmMs: 0, ackDelays: [], unacknowledged: 0, type: alarm.type, bedSet: new Set(), bedsByPriority: { PH: new Set(), PM: new Set(), PL: new Set() }, stationWide: false }));
    }
    for (const g of [bed, condition, this.ward]) {
      g.counts[alarm.priority]++;
      g.total++;
      g.alarmMs += Math.max(0, end - alarm.start);
      if (alarm.ackAt === null) g.unacknowledged++;
      else g.ackDelays.push(alarm.ackAt - alarm.start);
    }
    if (alarm.bed === null) condition.stationWide = true;
    else {
      condition.bedSet.add(alarm.bed);
      condition.bedsByPriority[alarm.priority].add(alarm.bed);
    }
  }
}
