import type { StationConfig } from './config.js';
import type { Logger } from './log.js';
import { StopStack } from './protocol/stop-stack.js';
import { databasePath } from './storage/paths.js';
import { openStationStorage, type StationStorage } from './storage/station-storage.js';
import { RetentionSchedule } from './storage/retention-schedule.js';
import { BackupSchedule } from './storage/backup-schedule.js';
import { createStationSync } from './sync/station-sync.js';
import type { SyncClient } from './sync/sync-client.js';
import { WardState } from './live/ward-state.js';
import { createStationIntake, type StationIntake } from './live/station-intake.js';
import { followWardChanges } from './live/ward-changes.js';
import { AlarmService } from './alarms/alarm-service.js';
import { DEFAULT_ALARM_CONFIG } from './alarms/alarm-rules.js';
import { createDeviceTransports } from './ingest/device-transports.js';
import { EventLoopPressure } from './ingest/event-loop-pressure.js';
import type { TlsCredentials } from './ingest/tls/tls-credentials.js';
import type { UiServer } from './ui/ui-server.js';
import { createStationUi } from './ui/station-ui.js';
import { startDemoWard } from './demo/station-demo.js';
import type { HealthServer } from './health/health-server.js';
import type { HealthReport } from './health/station-health.js';
import { StationMonitoring } from './health/station-monitoring.js';
import { wantsWave } from './waves/live-waves.js';
import type { BedWaveUpdate } from './protocol/ui-channel.js';
import { startAcmForwarding, type StationAcm } from './acm/station-acm.js';

export { databasePath };

/** The running station: its parts, for the CLI, the Electron shell and tests. */
export interface Station extends Pick<StationStorage, 'db' | 'registry' | 'ward' | 'nurses'>, Pick<StationIntake, 'writer' | 'waves' | 'technical'> {
  readonly config: StationConfig;
  readonly alarms: AlarmService;
  readonly state: WardState;
  readonly ui: UiServer;
  /** Clear-text ws:// port; 0 when that listener is off (tls.plainWebsocket false). */
  readonly devicePort: number;
  readonly mllpPort: number | null;
  /** wss:// and MLLP-over-TLS ports; null when off or no TLS is configured. */
  readonly deviceTlsPort: number | null;
  readonly mllpTlsPort: number | null;
  /** The station's certificate (reloaded when its files change); null without TLS. */
  readonly tls: TlsCredentials | null;
  readonly sync: SyncClient | null;
  readonly health: HealthServer;
  readonly backups: BackupSchedule | null;
  /** Alarm forwarding to an ACM; null when not configured. */
  readonly acm: StationAcm | null;
  healthReport(): HealthReport;
  stop(): Promise<void>;
}

/**
 * Composition root of the gateway: storage, alarms, the live ward picture, the cloud link, the
 * device transports, the UI and (when configured) the demo ward. Each step records how it is
 * stopped; stop (and a start that fails half-way) runs them in reverse order, and waits for pending
 * commits, so every frame received before stop is stored and acknowledged.
 */
export async function startStation(config: StationConfig, logger: Logger): Promise<Station> {
  const log = logger.child({ component: 'gateway' });
  const stops = new StopStack(log);
  return stops.startOrUnwind(async () => {
    const storage = await openStationStorage(config, stops);
    const { db, registry, ward, nurses } = storage;
    // Alarm events are persisted on the writer thread, after they reached the screens.
    const alarms = new AlarmService(db, logger.child({ component: 'alarms' }), DEFAULT_ALARM_CONFIG, Date.now, storage.writerThread);
    const state = new WardState(config.stationName, registry, ward);
    const sync = createStationSync(config, storage.path, () => storage.batches.queued(), logger);
    const retention = new RetentionSchedule(storage.writerThread, db, config.storage, logger.child({ component: 'retention' }));
    // Paging systems hear of an alarm after the screens, and never hold them up.
    const acm = config.acm ? stops.adopt('acm', startAcmForwarding({ ...config, acm: config.acm }, alarms, logger), (acm) => acm.stop()) : null;
    const monitoring = new StationMonitoring(config.health, {
      ...{ state, alarms, retention, sync: sync?.client ?? null, queuedRows: () => storage.batches.queued() },
      acm: acm && { health: () => acm.forwarder.health(), failing: () => acm.forwarder.failing() },
    });
    // Wave frames reach the screens showing their bed at once; `ui` exists before any device connects.
    const showWave = (update: BedWaveUpdate) => ui.publish({ type: 'wave', update }, (session) => wantsWave(session, update));
    const { writer, waves, liveWaves, sink, technical } = createStationIntake(config, { storage, state, alarms, monitoring, sync: sync?.client ?? null, showWave }, stops, log);
    // When devices together send more than the event loop reads, the busiest wait, not the alarms.
    const loopLoad = await stops.start('event loop pressure', new EventLoopPressure());
    const transports = await createDeviceTransports(config, { directory: registry, sink, logger, storage: writer, load: loopLoad, waves: liveWaves });
    const ui = await stops.start('ui', createStationUi(config, { ...storage, state, alarms, trends: storage.reader, waves: storage.reader, status: () => monitoring.status() }, logger));
    // Monitoring must never keep the station (and its alarms) from running.
    stops.defer('health', () => monitoring.health.stop());
    await monitoring.health.start().catch((error: Error) => log.error({ err: error.message, port: config.health.port }, 'health endpoint not started'));
    for (const channel of transports.channels) await stops.start(channel.name, channel);
    if (transports.secure) stops.adopt('tls', transports.secure.credentials, (credentials) => credentials.close()).watch();
    await stops.start('ward state', state);
    await stops.start('retention', retention);
    if (sync) await stops.start('sync', sync);
    await stops.start('alarms', alarms);
    const backup = config.backup && { dir: config.backup.dir, intervalMs: config.backup.everyHours * 3600_000, keep: config.backup.keep };
    const backups = backup ? await stops.start('backups', new BackupSchedule(storage.path, backup, logger.child({ component: 'backup' }))) : null;
    monitoring.startStatusPush((event) => ui.broadcast(event));
    stops.defer('status push', () => monitoring.stopStatusPush());
    stops.defer('ward changes', followWardChanges(registry, ward, state, transports));
    // The configuration refuses a demo without the clear-text listener.
    if (config.demo.enabled) await startDemoWard(storage, config.demo.beds, state, `ws://127.0.0.1:${transports.websocket!.port}/devices`, stops);
    const ports = { devicePort: transports.websocket?.port ?? 0, deviceTlsPort: transports.secure?.websocket?.port ?? null, mllpPort: transports.mllpPort, mllpTlsPort: transports.secure?.mllp?.port ?? null };
    log.info({ ...ports, uiPort: ui.port, demo: config.demo.enabled }, 'station started');
    return {
      ...{ config, db, registry, ward, nurses, alarms, writer, waves, state, ui, technical, backups, acm, ...ports },
      ...{ tls: transports.secure?.credentials ?? null, sync: sync?.client ?? null, health: monitoring.health, healthReport: () => monitoring.report() },
      async stop() {
        await stops.stopAll();
        log.info('station stopped');
      },
    };
  });
}
