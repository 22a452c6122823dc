import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { AlarmEvent, AlarmView } from '../protocol/alarm-types.js';
import type { TechnicalCondition, Transport } from '../domain/device.js';
import type { VitalCode, VitalValues } from '../protocol/vitals.js';
import type { Logger } from '../log.js';
import { AlarmEngine, type EngineSnapshot, type StationCondition } from './alarm-engine.js';
import { AlarmLog } from './alarm-log.js';
import { DEFAULT_ALARM_CONFIG, type AlarmConfig } from './alarm-rules.js';

/** Where alarm events and the engine state are persisted (one transaction per call). */
export interface AlarmRecorder {
  record(events: readonly AlarmEvent[], snapshot: EngineSnapshot, now: number): void | Promise<void>;
}

/**
 * Runs the pure engine inside the gateway: feeds it, hands changes to listeners (the UI) at once,
 * then persists every event with the engine state. Nothing here waits for the network, and with
 * an asynchronous recorder (the writer thread) nothing waits for the disk either: the screen
 * never queues behind storage, and the event loop that judges samples never blocks on SQLite's
 * write lock while the writer thread commits vitals.
 */
export class AlarmService {
  private readonly engine: AlarmEngine;
  private readonly log: AlarmLog;
  private readonly recorder: AlarmRecorder;
  /** Events not yet handed to the recorder, and whether the engine state changed since. */
  private unrecorded: AlarmEvent[] = [];
  private stateChanged = false;
  private recording: Promise<void> | null = null;
  private readonly listeners = new Set<(events: readonly AlarmEvent[], view: AlarmView) => void>();
  private timer: NodeJS.Timeout | null = null;
  /** When the engine last ran its periodic tick (the health endpoint watches it); null before. */
  lastTickAt: number | null = null;

  constructor(
    db: Database,
    private readonly logger: Logger,
    config: AlarmConfig = DEFAULT_ALARM_CONFIG,
    private readonly now: () => number = Date.now,
    recorder?: AlarmRecorder,
  ) {
    this.log = new AlarmLog(db);
    this.recorder = recorder ?? this.log;
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

  sample(bedId: string | null, patientId: number | null, deviceId: string, vitals: VitalValues, device: { transport?: Transport; offlineAfterMs?: number | null } = {}): void {
    this.apply(this.engine.sample({ bedId, patientId, deviceId, vitals, ...device }, this.now()));
  }

  /** How long this device may be silent before DEVICE_OFFLINE, once it has reported. */
  offlineAfterMs(deviceId: string): number | undefined {
    return this.engine.offlineAfterMs(deviceId);
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
    const view = this.view();
    for (const listener of this.listeners) listener([], view);
    this.record([]);
  }

  /** Resolves once everything so far is persisted; rejects if a write since the last idle moment failed. */
  persisted(): Promise<void> {
    return this.recording ?? Promise.resolve();
  }

  setLimits(bedId: string, code: VitalCode, limits: { low?: number; high?: number }, actor: string): void {
    this.apply(this.engine.setLimits(bedId, code, limits, actor, this.now()));
    // Limits live in the engine state: save it even when no alarm changed.
    this.record([]);
  }

  limitsOf(bedId: string, code: VitalCode): { low?: number; high?: number } {
    const rule = this.engine.rule(bedId, code);
    return { low: rule?.low, high: rule?.high };
  }

  private apply(events: readonly AlarmEvent[]): void {
    if (events.length === 0) return;
    const view = this.view();
    for (const listener of this.listeners) listener(events, view);
    this.record(events);
  }

  /**
   * Persists in call order, one write at a time: what happens while a write is under way goes
   * into the next one, with the engine state as it is then. However slow the disk, memory holds
   * only the events not yet written, never a queue of engine snapshots, and the writer thread
   * spends one state write per round, not one per event. A failure (disk full?) is said loudly
   * and never hides the alarm.
   */
  private record(events: readonly AlarmEvent[]): void {
    this.unrecorded.push(...events);
    this.stateChanged = true;
    if (this.recording) return;
    const recording = this.writeUnrecorded();
    recording.catch(() => undefined);
    this.recording = recording;
  }

  private async writeUnrecorded(): Promise<void> {
    let failure: Error | null = null;
    while (this.stateChanged) {
      this.stateChanged = false;
      const events = this.unrecorded;
      this.unrecorded = [];
      try {
        await this.recorder.record(events, this.engine.snapshot(), this.now());
      } catch (error) {
        failure = error as Error;
        this.logger.error({ err: failure.message }, 'could not store alarm events');
      }
    }
    this.recording = null;
    if (failure) throw failure;
  }
}
