import type { Alarm, AlarmPriority } from '../../gateway/protocol/alarm-types.js';
import { PRIORITY_RANK } from '../../gateway/protocol/alarm-types.js';
import { isVitalCode } from '../../gateway/protocol/vitals.js';

/** The cells of a tile a physiological alarm can point at. */
export type TileCell = 'HR' | 'SPO2' | 'RR' | 'TEMP' | 'ETCO2' | 'NIBP';

export interface CellAlarm {
  readonly priority: AlarmPriority;
  readonly direction: 'HIGH' | 'LOW';
  readonly limit: number | null;
  /** Not yet acknowledged: still flashing. */
  readonly flashing: boolean;
}

/** `SPO2_LOW` → the SpO₂ cell; `NIBP_MEAN_LOW` → the NIBP cell; technical alarms → none. */
export function cellOf(condition: string): { cell: TileCell; direction: 'HIGH' | 'LOW' } | null {
  const match = /^(.*)_(HIGH|LOW)$/.exec(condition);
  if (!match || !isVitalCode(match[1]!)) return null;
  const code = match[1]!;
  const cell: TileCell | null = code.startsWith('NIBP_') ? 'NIBP' : code === 'PR' ? 'HR' : code === 'HR' || code === 'SPO2' || code === 'RR' || code === 'TEMP' || code === 'ETCO2' ? code : null;
  return cell ? { cell, direction: match[2] as 'HIGH' | 'LOW' } : null;
}

/** Present alarms grouped by bed, each list highest priority first (the order the gateway sends). */
export function alarmsByBed(present: readonly Alarm[]): Map<string, Alarm[]> {
  const byBed = new Map<string, Alarm[]>();
  for (const alarm of present) {
    if (!alarm.bedId) continue;
    const list = byBed.get(alarm.bedId);
    if (list) list.push(alarm);
    else byBed.set(alarm.bedId, [alarm]);
  }
  return byBed;
}

/** The alarm each tile cell shows: the highest priority one if several point at it. */
export function cellAlarms(alarms: readonly Alarm[]): Partial<Record<TileCell, CellAlarm>> {
  const cells: Partial<Record<TileCell, CellAlarm>> = {};
  for (const alarm of alarms) {
    const target = cellOf(alarm.condition);
    if (!target) continue;
    const current = cells[target.cell];
    if (current && PRIORITY_RANK[current.priority] >= PRIORITY_RANK[alarm.priority]) continue;
    cells[target.cell] = { priority: alarm.priority, direction: target.direction, limit: alarm.limit, flashing: alarm.inactivation !== 'acknowledged' };
  }
  return cells;
}

export function highestPriority(alarms: readonly Alarm[]): AlarmPriority | null {
  let best: AlarmPriority | null = null;
  for (const a of alarms) if (!best || PRIORITY_RANK[a.priority] > PRIORITY_RANK[best]) best = a.priority;
  return best;
}
