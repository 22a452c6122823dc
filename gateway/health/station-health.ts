import type { SyncStatus } from '../sync/sync-client.js';
import type { StorageUse } from '../storage/retention.js';
import type { UiDevice } from '../protocol/ui-channel.js';

/** A connected device that sent nothing for this long is reported as silent. */
export const SILENT_AFTER_MS = 30_000;
/** The alarm engine ticks every second; three missed ticks mean it is stalled. */
export const ALARM_TICK_STALE_MS = 3_000;

export type HealthStatus = 'ok' | 'warning' | 'critical';

export interface HealthInputs {
  readonly startedAt: number;
  readonly storage: StorageUse;
  readonly storageFailing: boolean;
  readonly devices: readonly Pick<UiDevice, 'id' | 'state' | 'lastSeen'>[];
  readonly refusedConnections: number;
  readonly rejectedFrames: number;
  readonly sync: Pick<SyncStatus, 'enabled' | 'queuedRows' | 'lastSuccessAt' | 'consecutiveFailures' | 'lastError'>;
  readonly alarmLastTickAt: number | null;
  /** Alarm forwarding to an ACM; absent or null when none is configured. */
  readonly acm?: { readonly queued: number; readonly failed: number; readonly failing: boolean } | null;
}

export interface HealthReport {
  readonly status: HealthStatus;
  /** Why the status is not ok, one short reason each (no patient data). */
  readonly problems: readonly string[];
  readonly uptimeSeconds: number;
  readonly storage: { readonly failing: boolean; readonly bytes: number; readonly budgetBytes: number; readonly usedFraction: number; readonly nearBudget: boolean };
  readonly devices: { readonly registered: number; readonly connected: number; readonly silent: readonly string[]; readonly refusedConnections: number; readonly rejectedFrames: number };
  readonly sync: { readonly enabled: boolean; readonly backlogRows: number; readonly lastSuccessAt: number | null; readonly lastSuccessAgeSeconds: number | null; readonly consecutiveFailures: number; readonly lastError: string | null };
  readonly alarms: { readonly lastTickAt: number | null; readonly lastTickAgeMs: number | null };
  readonly acm: { readonly enabled: boolean; readonly queued: number; readonly failed: number; readonly failing: boolean };
}

/**
 * What IT's monitoring needs to know about a station, computed from its parts. Critical (HTTP
 * 503) means patients are at risk now: the alarm engine stalled or storage fails. Warning means
 * someone should look soon: disk near its budget, silent devices, sync failing.
 */
export function healthReport(inputs: HealthInputs, now: number): HealthReport {
  const problems: string[] = [];
  let status: HealthStatus = 'ok';
  const raise = (level: HealthStatus, problem: string) => {
    problems.push(problem);
    if (level === 'critical' || status === 'ok') status = level;
  };
  const tickAge = inputs.alarmLastTickAt === null ? null : now - inputs.alarmLastTickAt;
  if (tickAge !== null && tickAge > ALARM_TICK_STALE_MS) raise('critical', `alarm engine last ticked ${Math.round(tickAge / 1000)} s ago`);
  if (inputs.storageFailing) raise('critical', 'storage commits are failing');
  if (inputs.storage.nearBudget) raise('warning', 'storage is near its disk budget');
  const connected = inputs.devices.filter((d) => d.state === 'connected');
  const silent = connected.filter((d) => d.lastSeen === null || now - d.lastSeen > SILENT_AFTER_MS).map((d) => d.id);
  if (silent.length > 0) raise('warning', `${silent.length} connected device(s) silent for over ${SILENT_AFTER_MS / 1000} s`);
  if (inputs.sync.enabled && inputs.sync.consecutiveFailures >= 5) raise('warning', `sync failed ${inputs.sync.consecutiveFailures} times in a row`);
  // Pagers not getting alarms is shown on the ward too (ACM_FAILING); IT should hear of it as well.
  if (inputs.acm?.failing) raise('warning', 'alarm forwarding to the ACM is failing');
  return {
    status,
    problems,
    uptimeSeconds: Math.round((now - inputs.startedAt) / 1000),
    storage: {
      failing: inputs.storageFailing,
      bytes: inputs.storage.bytes,
      budgetBytes: inputs.storage.budgetBytes,
      usedFraction: Math.round((inputs.storage.bytes / inputs.storage.budgetBytes) * 1000) / 1000,
      nearBudget: inputs.storage.nearBudget,
    },
    devices: {
      registered: inputs.devices.length,
      connected: connected.length,
      silent,
      refusedConnections: inputs.refusedConnections,
      rejectedFrames: inputs.rejectedFrames,
    },
    sync: {
      enabled: inputs.sync.enabled,
      backlogRows: inputs.sync.queuedRows,
      lastSuccessAt: inputs.sync.lastSuccessAt,
      lastSuccessAgeSeconds: inputs.sync.lastSuccessAt === null ? null : Math.round((now - inputs.sync.lastSuccessAt) / 1000),
      consecutiveFailures: inputs.sync.consecutiveFailures,
      lastError: inputs.sync.lastError,
    },
    alarms: { lastTickAt: inputs.alarmLastTickAt, lastTickAgeMs: tickAge },
    acm: inputs.acm ? { enabled: true, ...inputs.acm } : { enabled: false, queued: 0, failed: 0, failing: false },
  };
}
