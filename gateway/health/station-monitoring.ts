import type { AlarmService } from '../alarms/alarm-service.js';
import type { StationConfig } from '../config.js';
import type { WardState } from '../live/ward-state.js';
import type { StationStatus, UiEvent } from '../protocol/ui-channel.js';
import type { StorageUse } from '../storage/retention.js';
import type { SyncClient } from '../sync/sync-client.js';
import { HealthServer } from './health-server.js';
import { healthReport, type HealthReport } from './station-health.js';
import { StationMetrics } from './station-metrics.js';

/** For the health endpoint: commits failing now, connections refused (unknown or revoked keys), frames refused. */
export interface StationCounters {
  storageFailing: boolean;
  refusedConnections: number;
  rejectedFrames: number;
}

/**
 * What the station says about itself: the status bar (pushed every 5 s, raising the storage and
 * sync technical alarms), GET /health and GET /metrics.
 */
export class StationMonitoring {
  readonly counters: StationCounters = { storageFailing: false, refusedConnections: 0, rejectedFrames: 0 };
  readonly metrics: StationMetrics;
  readonly health: HealthServer;
  private readonly startedAt = Date.now();
  private statusPush: NodeJS.Timeout | null = null;

  constructor(
    options: StationConfig['health'],
    private readonly parts: {
      state: WardState;
      alarms: AlarmService;
      retention: { readonly lastUse: StorageUse | null; use(): StorageUse };
      sync: SyncClient | null;
      queuedRows: () => number;
      /** Alarm forwarding to an ACM, when configured. */
      acm?: { health(): NonNullable<Parameters<typeof healthReport>[0]['acm']>; failing(): boolean } | null;
    },
  ) {
    this.metrics = new StationMetrics(
      () => this.report(),
      () => {
        const counts = { high: 0, medium: 0, low: 0 };
        for (const alarm of parts.alarms.view().present) counts[alarm.priority]++;
        return counts;
      },
    );
    this.health = new HealthServer(options, () => this.report(), () => this.metrics.scrape());
  }

  status(): StationStatus {
    const { sync, retention, queuedRows } = this.parts;
    return {
      sync: sync ? sync.status() : { enabled: false, queuedRows: queuedRows(), lastSuccessAt: null, consecutiveFailures: 0, lastError: null },
      storage: retention.lastUse ?? retention.use(),
    };
  }

  report(): HealthReport {
    const { state, alarms, retention } = this.parts;
    return healthReport(
      {
        startedAt: this.startedAt,
        storage: retention.lastUse ?? retention.use(),
        storageFailing: this.counters.storageFailing,
        devices: state.snapshot().devices,
        refusedConnections: this.counters.refusedConnections,
        rejectedFrames: this.counters.rejectedFrames,
        sync: this.status().sync,
        alarmLastTickAt: alarms.lastTickAt,
        acm: this.parts.acm?.health() ?? null,
      },
      Date.now(),
    );
  }

  /** Pushes the status to the screens every 5 s and raises the storage and sync technical alarms. */
  startStatusPush(broadcast: (event: UiEvent) => void): void {
    this.statusPush = setInterval(() => {
      const status = this.status();
      broadcast({ type: 'status', status });
      this.parts.alarms.station('STORAGE_NEAR_BUDGET', status.storage.nearBudget);
      // Sync failing for a while is worth a (low) technical alarm; a blip is not.
      this.parts.alarms.station('SYNC_FAILING', status.sync.enabled && status.sync.consecutiveFailures >= 5);
      if (this.parts.acm) this.parts.alarms.station('ACM_FAILING', this.parts.acm.failing());
    }, 5000);
    this.statusPush.unref();
  }

  stopStatusPush(): void {
    if (this.statusPush) clearInterval(this.statusPush);
    this.statusPush = null;
  }
}
