/**
 * The alarm engine: a pure state machine (no I/O, no clock of its own) fed samples, device and
 * station conditions, operator actions and the time. It is the only place alarm rules live; the
 * gateway persists what it returns and pushes it to the screens. It runs on the gateway, so alarms
 * never depend on the network or the cloud.
 */
import type { Alarm, AlarmEvent, AlarmPriority } from '../protocol/alarm-types.js';
import { PRIORITY_RANK } from '../protocol/alarm-types.js';
import type { VitalCode, VitalValues } from '../protocol/vitals.js';
import type { TechnicalConditionKind, Transport } from '../domain/device.js';
import { offlineTimeoutMs, rememberGap } from './offline-timeout.js';
import { DEFAULT_ALARM_CONFIG, ONSET_SHARE, END_SHARE, type AlarmConfig, type VitalRule } from './alarm-rules.js';
import { TimeBeyondLimit } from './time-beyond-limit.js';

export interface SampleInput {
  readonly bedId: string | null;
  readonly patientId: number | null;
  readonly deviceId: string;
  readonly vitals: VitalValues;
  /** How the device reports (sets its offline timeout floor); WebSocket when not said. */
  readonly transport?: Transport;
  /** A configured offline timeout for this device or its model, if any. */
  readonly offlineAfterMs?: number | null;
}

/** When a device last reported, where it was, and its pace (for its offline timeout). */
interface LastSeen {
  at: number;
  bedId: string | null;
  patientId: number | null;
  /** Optional: state saved before these fields existed lacks them. */
  transport?: Transport;
  offlineAfterMs?: number | null;
  gaps?: number[];
}

/** One limit of one vital at one bed, while it is (or recently was) beyond the limit. */
interface Track {
  /** First sample beyond the limit of this episode; the episode ends when its window holds none. */
  since: number | null;
  /** Samples beyond the limit in this episode. */
  count: number;
  readonly beyond: TimeBeyondLimit;
  /** The most extreme value beyond the limit in this episode, and when. */
  worst: { value: number; at: number } | null;
}

export interface EngineSnapshot {
  readonly alarms: Alarm[];
  readonly lastSeen: Array<[string, LastSeen]>;
  readonly oneShot: Array<[string, number]>;
  readonly pausedUntil: number | null;
  readonly pausedRank: number;
  readonly limits: Array<[string, { low?: number; high?: number }]>;
}

const NONE: readonly AlarmEvent[] = Object.freeze([]);

export type StationCondition = 'STORAGE_FAILING' | 'STORAGE_NEAR_BUDGET' | 'SYNC_FAILING' | 'ACM_FAILING';
/**
 * Vitals not being stored is serious (history and sync stop); a slow cloud is not. Alarms not
 * reaching the nurses' pagers (ACM_FAILING) is medium: they must watch the screens meanwhile.
 */
const STATION_PRIORITY: Readonly<Record<StationCondition, AlarmPriority>> = { STORAGE_FAILING: 'high', STORAGE_NEAR_BUDGET: 'medium', SYNC_FAILING: 'low', ACM_FAILING: 'medium' };

const TECHNICAL: Readonly<Record<TechnicalConditionKind, { condition: string; priority: AlarmPriority }>> = {
  device_offline: { condition: 'DEVICE_OFFLINE', priority: 'medium' },
  port_lost: { condition: 'PORT_LOST', priority: 'medium' },
  sensor_off: { condition: 'SENSOR_OFF', priority: 'medium' },
  device_exception: { condition: 'DEVICE_EXCEPTION', priority: 'low' },
  // Medium: the station is not monitoring what this device measures until its clock is set.
  clock_fault: { condition: 'DEVICE_CLOCK_FAULT', priority: 'medium' },
  invalid_value: { condition: 'INVALID_VALUE', priority: 'low' },
};

export class AlarmEngine {
  private readonly alarms = new Map<string, Alarm>();
  private readonly tracks = new Map<string, Track>();
  private readonly lastSeen = new Map<string, LastSeen>();
  private readonly oneShot = new Map<string, number>();
  private readonly limits = new Map<string, { low?: number; high?: number }>();
  private pausedUntil: number | null = null;
  private pausedRank = 0;

  constructor(
    private readonly config: AlarmConfig = DEFAULT_ALARM_CONFIG,
    private readonly newId: () => string,
    snapshot?: EngineSnapshot,
  ) {
    if (snapshot) {
      for (const a of snapshot.alarms) this.alarms.set(keyOf(a), a);
      for (const [k, v] of snapshot.lastSeen) this.lastSeen.set(k, v);
      for (const [k, v] of snapshot.oneShot) this.oneShot.set(k, v);
      for (const [k, v] of snapshot.limits) this.limits.set(k, v);
      this.pausedUntil = snapshot.pausedUntil;
      this.pausedRank = snapshot.pausedRank;
    }
  }

  /** Alarms present or latched, highest priority first, then oldest. */
  present(): Alarm[] {
    return [...this.alarms.values()].sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.startedAt - b.startedAt);
  }

  /** What the speaker should do now: the highest priority not silenced, and the pause countdown. */
  audio(now: number): { sounding: AlarmPriority | null; pausedUntil: number | null } {
    const paused = this.pausedUntil !== null && now < this.pausedUntil;
    let best: AlarmPriority | null = null;
    for (const a of this.alarms.values()) {
      if (a.inactivation !== 'none') continue;
      if (paused && PRIORITY_RANK[a.priority] <= this.pausedRank) continue;
      if (!best || PRIORITY_RANK[a.priority] > PRIORITY_RANK[best]) best = a.priority;
    }
    return { sounding: best, pausedUntil: paused ? this.pausedUntil : null };
  }

  snapshot(): EngineSnapshot {
    return {
      alarms: [...this.alarms.values()],
      lastSeen: [...this.lastSeen],
      oneShot: [...this.oneShot],
      pausedUntil: this.pausedUntil,
      pausedRank: this.pausedRank,
      limits: [...this.limits],
    };
  }

  /** How long this device may be silent before DEVICE_OFFLINE (undefined: never reported). */
  offlineAfterMs(deviceId: string): number | undefined {
    const seen = this.lastSeen.get(deviceId);
    return seen ? this.timeoutOf(seen) : undefined;
  }

  private timeoutOf(seen: LastSeen): number {
    return offlineTimeoutMs(this.config.offline, seen.transport ?? 'websocket', seen.gaps ?? [], seen.offlineAfterMs ?? null);
  }

  /** Effective limits of a vital at a bed (ward default, or the bed's override). */
  rule(bedId: string | null, code: VitalCode): VitalRule | undefined {
    const base = this.config.rules[code];
    if (!base || !bedId) return base;
    const override = this.limits.get(`${bedId}|${code}`);
    return override ? { ...base, ...override } : base;
  }

  /** Per-bed limits (the caller audits who changed what). Re-judges present alarms at once. */
  setLimits(bedId: string, code: VitalCode, limits: { low?: number; high?: number }, actor: string, now: number): readonly AlarmEvent[] {
    this.limits.set(`${bedId}|${code}`, limits);
    const events: AlarmEvent[] = [];
    for (const dir of ['HIGH', 'LOW'] as const) {
      const key = `${bedId}|${code}_${dir}`;
      const alarm = this.alarms.get(key);
      if (!alarm || alarm.state !== 'active' || alarm.value === null) continue;
      const rule = this.rule(bedId, code)!;
      const limit = dir === 'HIGH' ? rule.high : rule.low;
      const stillViolating = limit !== undefined && (dir === 'HIGH' ? alarm.value > limit : alarm.value < limit);
      if (!stillViolating) {
        this.tracks.delete(key);
        events.push(this.end(key, alarm, now, actor, 'limits changed'));
      } else {
        events.push(this.update(key, { ...alarm, limit }, now, actor, 'limits changed'));
      }
    }
    return events.length ? events : NONE;
  }

  sample(input: SampleInput, now: number): readonly AlarmEvent[] {
    let events: AlarmEvent[] | null = null;
    const previous = this.lastSeen.get(input.deviceId);
    const gaps = previous?.gaps ?? [];
    if (previous) rememberGap(gaps, Math.max(0, now - previous.at));
    this.lastSeen.set(input.deviceId, { at: now, bedId: input.bedId, patientId: input.patientId, transport: input.transport ?? 'websocket', offlineAfterMs: input.offlineAfterMs ?? null, gaps });
    const offline = this.alarms.get(technicalKey(input.deviceId, 'DEVICE_OFFLINE'));
    if (offline) (events ??= []).push(this.end(technicalKey(input.deviceId, 'DEVICE_OFFLINE'), offline, now, null, 'data resumed'));
    if (!input.bedId) return events ?? NONE;
    for (const code in input.vitals) {
      // A pulse rate alarms only where there is no ECG heart rate, so one event gives one alarm.
      if (code === 'PR' && input.vitals.HR !== undefined) continue;
      const rule = this.rule(input.bedId, code as VitalCode);
      if (!rule) continue;
      const value = input.vitals[code as VitalCode]!;
      if (rule.high !== undefined) this.judge(input, code as VitalCode, 'HIGH', rule, value, now, (events ??= []));
      if (rule.low !== undefined) this.judge(input, code as VitalCode, 'LOW', rule, value, now, (events ??= []));
    }
    return events && events.length ? events : NONE;
  }

  technical(deviceId: string, bedId: string | null, kind: TechnicalConditionKind, active: boolean, now: number, vital?: VitalCode): readonly AlarmEvent[] {
    const { condition, priority } = TECHNICAL[kind];
    const name = kind === 'invalid_value' && vital ? `${condition}_${vital}` : condition;
    const key = technicalKey(deviceId, name);
    const alarm = this.alarms.get(key);
    if (active) {
      if (kind === 'invalid_value') this.oneShot.set(key, now);
      if (alarm) return NONE;
      return [this.start(key, { condition: name, type: 'technical', priority, bedId: bedId ?? this.lastSeen.get(deviceId)?.bedId ?? null, patientId: null, deviceId, value: null, limit: null, worstValue: null, worstAt: null }, now)];
    }
    this.oneShot.delete(key);
    // Technical alarms never latch: they end when their cause ends.
    return alarm ? [this.end(key, alarm, now, null, 'condition ended')] : NONE;
  }

  /** Station-level technical conditions: storage failing or near its budget, sync failing for long. */
  station(condition: StationCondition, active: boolean, now: number): readonly AlarmEvent[] {
    const key = technicalKey('station', condition);
    const alarm = this.alarms.get(key);
    if (active && !alarm) return [this.start(key, { condition, type: 'technical', priority: STATION_PRIORITY[condition], bedId: null, patientId: null, deviceId: null, value: null, limit: null, worstValue: null, worstAt: null }, now)];
    if (!active && alarm) return [this.end(key, alarm, now, null, 'condition ended')];
    return NONE;
  }

  tick(now: number): readonly AlarmEvent[] {
    const events: AlarmEvent[] = [];
    for (const [deviceId, seen] of this.lastSeen) {
      const key = technicalKey(deviceId, 'DEVICE_OFFLINE');
      if (now - seen.at >= this.timeoutOf(seen) && !this.alarms.has(key)) {
        events.push(this.start(key, { condition: 'DEVICE_OFFLINE', type: 'technical', priority: 'medium', bedId: seen.bedId, patientId: seen.patientId, deviceId, value: null, limit: null, worstValue: null, worstAt: null }, now));
      }
    }
    for (const [key, at] of this.oneShot) {
      const alarm = this.alarms.get(key);
      if (now - at >= this.config.oneShotMs) {
        this.oneShot.delete(key);
        if (alarm) events.push(this.end(key, alarm, now, null, 'no new invalid value'));
      }
    }
    if (this.pausedUntil !== null && now >= this.pausedUntil) {
      this.pausedUntil = null;
      this.pausedRank = 0;
      for (const [key, alarm] of this.alarms) {
        if (alarm.inactivation === 'audio_paused') events.push(this.update(key, { ...alarm, inactivation: 'none' }, now, null, 'audio pause over'));
      }
    }
    for (const [key, alarm] of this.alarms) {
      if (alarm.state === 'active' && alarm.priority === 'low' && now - alarm.startedAt >= this.config.escalateAfterMs) {
        events.push(this.update(key, { ...alarm, priority: 'medium' }, now, null, 'escalated: present too long'));
      } else if (alarm.state === 'active' && alarm.inactivation === 'acknowledged' && alarm.acknowledgedAt !== null && now - alarm.acknowledgedAt >= this.config.renotifyMs) {
        events.push(this.update(key, { ...alarm, inactivation: 'none' }, now, null, 'still present: re-notified'));
      }
    }
    return events.length ? events : NONE;
  }

  /** Acknowledge: "seen". A latched alarm whose condition ended goes away. */
  acknowledge(alarmId: string, actor: string, now: number, reason: string | null = null): readonly AlarmEvent[] {
    for (const [key, alarm] of this.alarms) {
      if (alarm.id !== alarmId) continue;
      const acked = { ...alarm, inactivation: 'acknowledged' as const, acknowledgedBy: actor, acknowledgedAt: now };
      if (alarm.state === 'latched') return [this.end(key, acked, now, actor, reason ?? 'acknowledged')];
      return [this.update(key, acked, now, actor, reason ?? 'acknowledged')];
    }
    return NONE;
  }

  /**
   * Audio pause: silences what sounds now for a limited time. An alarm of higher priority than
   * any present at the pause still sounds.
   */
  pauseAudio(actor: string, now: number, durationMs = this.config.audioPauseMs): readonly AlarmEvent[] {
    this.pausedUntil = now + durationMs;
    this.pausedRank = 0;
    const events: AlarmEvent[] = [];
    for (const [key, alarm] of this.alarms) {
      if (alarm.inactivation !== 'none') continue;
      this.pausedRank = Math.max(this.pausedRank, PRIORITY_RANK[alarm.priority]);
      events.push(this.update(key, { ...alarm, inactivation: 'audio_paused' }, now, actor, 'audio paused'));
    }
    return events;
  }

  /**
   * The alarm condition rule (README "Alarms"): a vital alarms when it has been beyond its limit
   * for at least ONSET_SHARE of its delay window, counted in time, and its first sample beyond the
   * limit is at least one delay old. A reading back inside the limit does not restart the delay
   * (a desaturation with sparse good readings still alarms); a single artefact cannot fill the
   * window. The alarm ends when the value is back past the hysteresis band and less than
   * END_SHARE of the window was beyond the limit, so readings scattered across the limit
   * during an alarm neither end it nor start a new one.
   */
  private judge(input: SampleInput, code: VitalCode, dir: 'HIGH' | 'LOW', rule: VitalRule, value: number, now: number, events: AlarmEvent[]): void {
    const key = `${input.bedId}|${code}_${dir}`;
    const limit = dir === 'HIGH' ? rule.high! : rule.low!;
    const violating = dir === 'HIGH' ? value > limit : value < limit;
    const severeLimit = dir === 'HIGH' ? rule.severeHigh : rule.severeLow;
    const severe = severeLimit !== undefined && (dir === 'HIGH' ? value > severeLimit : value < severeLimit);
    const alarm = this.alarms.get(key);
    let track = this.tracks.get(key);
    if (!track) {
      if (!violating && !alarm) return;
      this.tracks.set(key, (track = { since: null, count: 0, beyond: new TimeBeyondLimit(), worst: null }));
    }
    track.beyond.record(now, violating);
    const beyondMs = track.beyond.within(now, rule.delayMs);
    if (violating) {
      if (track.since === null) track.since = now;
      track.count++;
      if (!track.worst || (dir === 'HIGH' ? value > track.worst.value : value < track.worst.value)) track.worst = { value, at: now };
      const priority: AlarmPriority = severe ? 'high' : rule.priority;
      if (!alarm) {
        const qualified = severe || (now - track.since >= rule.delayMs && beyondMs >= ONSET_SHARE * rule.delayMs && track.count >= rule.minSamples);
        if (qualified) {
          events.push(
            this.start(key, { condition: `${code}_${dir}`, type: 'physiological', priority, bedId: input.bedId, patientId: input.patientId, deviceId: input.deviceId, value, limit: severe ? severeLimit! : limit, worstValue: value, worstAt: now }, now),
          );
        }
      } else if (alarm.state === 'latched' || PRIORITY_RANK[priority] > PRIORITY_RANK[alarm.priority]) {
        const raised = PRIORITY_RANK[priority] > PRIORITY_RANK[alarm.priority];
        events.push(this.update(key, { ...alarm, state: 'active', priority: raised ? priority : alarm.priority, value, ...worstOf(dir, alarm, track.worst) }, now, null, severe ? 'severe' : 'present again'));
      }
      return;
    }
    if (!alarm) {
      // Nothing beyond the limit left in the window: the episode is over.
      if (beyondMs === 0) this.tracks.delete(key);
      return;
    }
    const cleared = dir === 'HIGH' ? value <= limit - rule.hysteresis : value >= limit + rule.hysteresis;
    if (alarm.state !== 'active' || !cleared) return;
    if (beyondMs >= END_SHARE * rule.delayMs && rule.delayMs > 0) return;
    this.tracks.delete(key);
    const ended = { ...alarm, value, ...worstOf(dir, alarm, track.worst) };
    if (alarm.priority === 'high' && alarm.inactivation !== 'acknowledged') {
      // High physiological alarms latch: the nurse must see that it happened, and how bad it got.
      events.push(this.update(key, { ...ended, state: 'latched' }, now, null, 'condition ended; latched until acknowledged'));
    } else {
      events.push(this.end(key, ended, now, null, 'condition ended'));
    }
  }

  private start(key: string, fields: Pick<Alarm, 'condition' | 'type' | 'priority' | 'bedId' | 'patientId' | 'deviceId' | 'value' | 'limit' | 'worstValue' | 'worstAt'>, now: number): AlarmEvent {
    const paused = this.pausedUntil !== null && now < this.pausedUntil && PRIORITY_RANK[fields.priority] <= this.pausedRank;
    const alarm: Alarm = { ...fields, id: this.newId(), state: 'active', inactivation: paused ? 'audio_paused' : 'none', startedAt: now, acknowledgedBy: null, acknowledgedAt: null };
    this.alarms.set(key, alarm);
    return { phase: 'start', at: now, alarm, actor: null, reason: null };
  }

  private update(key: string, alarm: Alarm, now: number, actor: string | null, reason: string | null): AlarmEvent {
    this.alarms.set(key, alarm);
    return { phase: 'update', at: now, alarm, actor, reason };
  }

  private end(key: string, alarm: Alarm, now: number, actor: string | null, reason: string | null): AlarmEvent {
    this.alarms.delete(key);
    return { phase: 'end', at: now, alarm: { ...alarm, state: 'inactive' }, actor, reason };
  }
}

/** The more extreme of the alarm's recorded worst value and the episode's (after a restart the episode starts afresh). */
function worstOf(dir: 'HIGH' | 'LOW', alarm: Alarm, episode: { value: number; at: number } | null): Pick<Alarm, 'worstValue' | 'worstAt'> {
  const recorded = alarm.worstValue ?? null;
  if (!episode) return { worstValue: recorded, worstAt: alarm.worstAt ?? null };
  if (recorded === null || (dir === 'HIGH' ? episode.value > recorded : episode.value < recorded)) return { worstValue: episode.value, worstAt: episode.at };
  return { worstValue: recorded, worstAt: alarm.worstAt ?? null };
}

function technicalKey(deviceId: string, condition: string): string {
  return `device:${deviceId}|${condition}`;
}

function keyOf(alarm: Alarm): string {
  if (alarm.type === 'physiological') return `${alarm.bedId}|${alarm.condition}`;
  return technicalKey(alarm.deviceId ?? 'station', alarm.condition);
}
