import type { ConnectionState, TechnicalCondition, Transport } from '../domain/device.js';
import type { Observation } from '../domain/observation.js';
import type { BedVitalsUpdate, UiDevice, UiEvent, WardSnapshot, LatestValue, UiBed } from '../protocol/ui-channel.js';
import { UI_PUSH_INTERVAL_MS } from '../protocol/ui-channel.js';
import type { VitalCode } from '../protocol/vitals.js';
import type { DeviceRegistry } from '../storage/device-registry.js';
import type { WardRepository } from '../storage/ward-repository.js';

type SparkVital = (typeof SPARK_VITALS)[number];

interface DeviceLive {
  state: 'connected' | 'disconnected' | 'never_seen';
  lastSeen: number | null;
  lastTs: number;
  rejectedFrames: number;
  /** Active technical conditions: label → when last reported. */
  conditions: Map<string, number>;
}

/** The tiles' sparklines: which vitals, how far back, and at most one point per step. */
const SPARK_VITALS = ['HR', 'SPO2'] as const;
const SPARK_WINDOW_MS = 10 * 60_000;
const SPARK_STEP_MS = 5_000;

/** One-shot conditions (a rejected value) have no "end" message: show them this long. */
const ONE_SHOT_MS = 60_000;

/**
 * What the ward looks like right now, in memory: latest value per bed and vital, device states.
 * Fed on receipt (before the commit, so the screen and alarms never wait for the disk) and
 * pushed to UI clients coalesced every UI_PUSH_INTERVAL_MS: hundreds of beds at 1 Hz cost a
 * few messages a second, not one per sample.
 */
export class WardState {
  private readonly latest = new Map<string, Partial<Record<VitalCode, LatestValue>>>();
  private readonly devices = new Map<string, DeviceLive>();
  /** Recent HR/SpO₂ per bed, thinned to one point per SPARK_STEP_MS, for pages that open later. */
  private readonly sparks = new Map<string, Record<SparkVital, Array<[number, number]>>>();
  private pendingVitals = new Map<string, { ts: number; values: Partial<Record<VitalCode, number>> }>();
  private pendingDevices = new Set<string>();
  private readonly listeners = new Set<(event: UiEvent) => void>();
  private timer: NodeJS.Timeout | null = null;
  /** The layout last sent, to tell a real change from a reload that changed nothing. */
  private sentLayout = '';

  constructor(
    private readonly stationName: string,
    private readonly registry: DeviceRegistry,
    private readonly ward: WardRepository,
    private readonly pushIntervalMs = UI_PUSH_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), this.pushIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  subscribe(listener: (event: UiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records a received observation. Returns false when it is older than what the device already
   * sent (a resend after reconnect): history gets it, the live picture and alarms do not.
   */
  observe(observation: Observation, receivedAt: number): boolean {
    const device = this.device(observation.deviceId);
    device.lastSeen = receivedAt;
    if (observation.ts < device.lastTs) return false;
    device.lastTs = observation.ts;
    const bedId = this.registry.record(observation.deviceId)?.bedId;
    if (!bedId) return true;
    let latest = this.latest.get(bedId);
    if (!latest) this.latest.set(bedId, (latest = {}));
    let pending = this.pendingVitals.get(bedId);
    if (!pending) this.pendingVitals.set(bedId, (pending = { ts: observation.ts, values: {} }));
    pending.ts = observation.ts;
    for (const code in observation.vitals) {
      const value = observation.vitals[code as VitalCode]!;
      latest[code as VitalCode] = { value, ts: observation.ts };
      pending.values[code as VitalCode] = value;
    }
    this.keepSpark(bedId, observation);
    return true;
  }

  /** The last ten minutes of HR and SpO₂ per bed (thinned), so a page draws sparklines at once. */
  sparklines(now: number): Record<string, Partial<Record<SparkVital, ReadonlyArray<readonly [number, number]>>>> {
    const result: Record<string, Partial<Record<SparkVital, ReadonlyArray<readonly [number, number]>>>> = {};
    for (const [bedId, series] of this.sparks) {
      const bed: Partial<Record<SparkVital, Array<[number, number]>>> = {};
      for (const code of SPARK_VITALS) {
        const recent = series[code].filter(([ts]) => ts >= now - SPARK_WINDOW_MS);
        if (recent.length > 0) bed[code] = recent;
      }
      result[bedId] = bed;
    }
    return result;
  }

  private keepSpark(bedId: string, observation: Observation): void {
    let series = this.sparks.get(bedId);
    for (const code of SPARK_VITALS) {
      const value = observation.vitals[code];
      if (value === undefined) continue;
      if (!series) this.sparks.set(bedId, (series = { HR: [], SPO2: [] }));
      const points = series[code];
      const last = points[points.length - 1];
      if (last && observation.ts - last[0] < SPARK_STEP_MS) continue;
      points.push([observation.ts, value]);
      while (points.length > 0 && points[0]![0] < observation.ts - SPARK_WINDOW_MS) points.shift();
    }
  }

  connection(deviceId: string, _transport: Transport, state: ConnectionState): void {
    this.device(deviceId).state = state;
    this.pendingDevices.add(deviceId);
  }

  technical(condition: TechnicalCondition, now: number): void {
    const device = this.device(condition.deviceId);
    const label = condition.kind === 'invalid_value' && condition.vital ? `${condition.kind}:${condition.vital}` : condition.kind;
    if (condition.active) device.conditions.set(label, now);
    else device.conditions.delete(label);
    this.pendingDevices.add(condition.deviceId);
  }

  rejected(deviceId: string | null): void {
    if (!deviceId) return;
    this.device(deviceId).rejectedFrames++;
    this.pendingDevices.add(deviceId);
  }

  /**
   * The bed/patient/device layout may have changed (admission, registration, a reload after
   * another connection wrote): clients get a new snapshot only if it really did. The registry
   * reloads after every storage commit (SQLite's data_version counts the station's own writer
   * thread too), and a 500-bed snapshot a second per page was most of the UI traffic.
   */
  layoutChanged(): void {
    const layout = this.layoutKey();
    if (layout === this.sentLayout) return;
    this.sentLayout = layout;
    this.emit({ type: 'snapshot', ward: this.snapshot() });
  }

  private layoutKey(): string {
    const beds = this.ward.beds().map((b) => [b.id, b.label, b.patient?.id ?? null, b.patient?.mrn ?? null, b.patient?.name ?? null, b.patient?.birthDate ?? null]);
    const devices = this.registry.list().map((d) => [d.id, d.model, d.transport, d.bedId, d.revoked]);
    return JSON.stringify([this.stationName, beds, devices]);
  }

  snapshot(): WardSnapshot {
    const beds: UiBed[] = this.ward.beds().map((bed) => ({
      id: bed.id,
      label: bed.label,
      patient: bed.patient,
      latest: { ...(this.latest.get(bed.id) ?? {}) },
    }));
    return { stationName: this.stationName, beds, devices: this.registry.list().filter((d) => !d.revoked).map((d) => this.uiDevice(d.id)!) };
  }

  uiDevice(id: string): UiDevice | undefined {
    const record = this.registry.record(id);
    if (!record) return undefined;
    const live = this.devices.get(id);
    return {
      id,
      model: record.model,
      transport: record.transport,
      bedId: record.bedId,
      state: live?.state ?? 'never_seen',
      lastSeen: live?.lastSeen ?? null,
      rejectedFrames: live?.rejectedFrames ?? 0,
      conditions: live ? activeConditions(live, Date.now()) : [],
    };
  }

  flush(): void {
    if (this.pendingVitals.size > 0) {
      const updates: BedVitalsUpdate[] = [];
      for (const [bedId, p] of this.pendingVitals) updates.push({ bedId, ts: p.ts, values: p.values });
      this.pendingVitals = new Map();
      this.emit({ type: 'vitals', updates });
    }
    if (this.pendingDevices.size > 0) {
      const ids = [...this.pendingDevices];
      this.pendingDevices.clear();
      for (const id of ids) {
        const device = this.uiDevice(id);
        if (device) this.emit({ type: 'device', device });
      }
    }
  }

  private device(id: string): DeviceLive {
    let d = this.devices.get(id);
    if (!d) this.devices.set(id, (d = { state: 'never_seen', lastSeen: null, lastTs: -Infinity, rejectedFrames: 0, conditions: new Map() }));
    return d;
  }

  private emit(event: UiEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function activeConditions(device: DeviceLive, now: number): string[] {
  const labels: string[] = [];
  for (const [label, at] of device.conditions) {
    if (label.startsWith('invalid_value') && now - at > ONE_SHOT_MS) device.conditions.delete(label);
    else labels.push(label);
  }
  return labels.sort();
}
