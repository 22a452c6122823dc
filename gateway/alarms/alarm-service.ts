import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Alarm, AlarmEvent, AlarmPriority } from '../protocol/alarm-types.js';
import type { TechnicalCondition } from '../ingest/channel.js';
import type { VitalCode, VitalValues } from '../protocol/vitals.js';
import type { Logger } from '../log.js';
import { AlarmEngine, type StationCondition } from './alarm-engine.js';
import { AlarmLog } from './alarm-log.js';
import { DEFAULT_ALARM_CONFIG, type AlarmConfig } from './alarm-rules.js';

export interface AlarmView {
  readonly present: readonly Alarm[];
  readonly audio: { readonly sounding: AlarmPriority | null; readonly pausedUntil: number | null };
}

/**
 * Runs the pure engine inside the gateway: feeds it, persists every event with the engine state,
 * and hands changes to listeners (the UI) at once. Nothing here waits for the network.
 */
export class AlarmService {
  private readonly engine: AlarmEngine;
  private readonly log: AlarmLog;
  private readonly listeners = new Set<(events: readonly AlarmEvent[], view: AlarmView) => void>();
  private timer: NodeJS.Timeout | null = null;
  /** When the engine last ran its periodic tick (the health endpoint watches it); null before. */
  lastTickAt: number | null = null;

  constructor(
    db: Database,
    private readonly logger: Logger,
    config: AlarmConfig = DEFAULT_ALARM_CONFIG,
    private readonly now: () => number = Date.now,
  ) {
    this.log = new AlarmLog(db);
    this.engine = new AlarmEngine(config, () => randomUUID(), this.log.restore());
  }

  start(tickMs = 1000): void {
    this.timer = setInterval(() => {
      this.lastTickAt = this.now();
      this.apply(this.engine.tick(this.lastTickAt));
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onChange(listener: (events: readonly AlarmEvent[], view: AlarmView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): AlarmView {
    return { present: this.engine.present(), audio: this.engine.audio(this.now()) };
  }

  sample(bedId: string | null, patientId: number | null, deviceId: string, vitals: VitalValues): void {
    this.apply(this.engine.sample({ bedId, patientId, deviceId, vitals }, this.now()));
  }

  technical(condition: TechnicalCondition, bedId: string | null): void {
    this.apply(this.engine.technical(condition.deviceId, bedId, condition.kind, condition.active, this.now(), condition.vital));
  }

  station(condition: StationCondition, active: boolean): void {
    this.apply(this.engine.station(condition, active, this.now()));
  }

  acknowledge(alarmId: string, actor: string, reason: string | null): void {
    this.apply(this.engine.acknowledge(alarmId, actor, this.now(), reason));
  }

  pauseAudio(actor: string): void {
    const events = this.engine.pauseAudio(actor, this.now());
    if (events.length > 0) return this.apply(events);
    // Nothing was sounding, but every screen must still show the pause and its countdown.
    this.log.record([], this.engine.snapshot(), this.now());
    const view = this.view();
    for (const listener of this.listeners) listener([], view);
  }

  setLimits(bedId: string, code: VitalCode, limits: { low?: number; high?: number }, actor: string): void {
    this.apply(this.engine.setLimits(bedId, code, limits, actor, this.now()));
    // Limits live in the engine state: save it even when no alarm changed.
    this.log.record([], this.engine.snapshot(), this.now());
  }

  limitsOf(bedId: string, code: VitalCode): { low?: number; high?: number } {
    const rule = this.engine.rule(bedId, code);
    return { low: rule?.low, high: rule?.high };
  }

  private apply(events: readonly AlarmEvent[]): void {
    if (events.length === 0) return;
    try {
      this.log.record(events, this.engine.snapshot(), this.now());
    } catch (error) {
      // Storing failed (disk full?): the alarm still reaches the screen; say so loudly.
      this.logger.error({ err: (error as Error).message }, 'could not store alarm events');
    }
    const view = this.view();
    for (const listener of this.listeners) listener(events, view);
  }
}
