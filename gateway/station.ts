import type { Database } from 'better-sqlite3';
import type { StationConfig } from './config.js';
import type { Logger } from './log.js';
import { databasePath } from './storage/paths.js';
import { openDatabase } from './storage/database.js';
import { AuditTrail } from './storage/audit-trail.js';
import { DeviceRegistry } from './storage/device-registry.js';
import { WardRepository } from './storage/ward-repository.js';
import { NurseDirectory } from './storage/nurse-directory.js';
import { ObservationWriter } from './storage/observation-writer.js';
import { CheckpointerThread, ReaderThread, WriterThread } from './storage/storage-threads.js';
import { RetentionSchedule } from './storage/retention-schedule.js';
import { BackupSchedule } from './storage/backup-schedule.js';
import { BatchReader } from './storage/batch-reader.js';
import { createStationSync } from './sync/station-sync.js';
import type { SyncClient } from './sync/sync-client.js';
import { WardState } from './live/ward-state.js';
import { createIngestSink } from './live/ingest-sink.js';
import { AlarmService } from './alarms/alarm-service.js';
import { DEFAULT_ALARM_CONFIG } from './alarms/alarm-rules.js';
import { createDeviceTransports } from './ingest/device-transports.js';
import type { TechnicalCondition } from './domain/device.js';
import type { TlsCredentials } from './ingest/tls/tls-credentials.js';
import type { UiServer } from './ui/ui-server.js';
import { createStationUi } from './ui/station-ui.js';
import { DemoWard, provisionDemoWard } from './demo/demo-ward.js';
import type { HealthServer } from './health/health-server.js';
import type { HealthReport } from './health/station-health.js';
import { StationMonitoring } from './health/station-monitoring.js';
import type { WaveWriter } from './waves/wave-writer.js';
import { createWaveWriter } from './waves/station-waves.js';
import { liveWaveSink, wantsWave } from './waves/live-waves.js';
import { EventLoopPressure } from './ingest/event-loop-pressure.js';
import { startAcmForwarding, type StationAcm } from './acm/station-acm.js';
import { StopStack } from './protocol/stop-stack.js';

export { databasePath };

export interface Station {
  readonly config: StationConfig;
  readonly db: Database;
  readonly registry: DeviceRegistry;
  readonly ward: WardRepository;
  readonly nurses: NurseDirectory;
  readonly alarms: AlarmService;
  readonly writer: ObservationWriter;
  readonly waves: WaveWriter;
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
  /** Technical conditions reported by devices, newest state per (device, kind, vital). */
  readonly technical: ReadonlyMap<string, TechnicalCondition>;
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
 * device transports, the UI and (when configured) the demo ward. Shutdown runs in reverse order
 * and waits for pending commits, so every frame received before stop is stored and acknowledged.
 */
export async function startStation(config: StationConfig, logger: Logger): Promise<Station> {
  const dbPath = databasePath(config.dataDir);
  const log = logger.child({ component: 'gateway' });
  // Everything started is stopped newest first: on stop, and when a later start step fails.
  const stops = new StopStack(log);
  return stops.startOrUnwind(async () => {
    const db = stops.adopt('database', openDatabase(dbPath, { synchronous: config.storage.synchronous }), (db) => db.close());
    const [registry, ward, nurses, audit] = [new DeviceRegistry(db), new WardRepository(db), new NurseDirectory(db), new AuditTrail(db)];
    const writerThread = new WriterThread(dbPath, config.storage.synchronous);
    const checkpointer = new CheckpointerThread(dbPath, config.storage.synchronous);
    const reader = new ReaderThread(dbPath, config.storage.synchronous);
    // On a normal stop the observation writer has closed the writer thread by then, after its last commit.
    stops.defer('storage threads', () => Promise.all([writerThread.close(), checkpointer.close(), reader.close()]));
    // Opened before any device may connect, so the first frames do not wait for the threads.
    await Promise.all([writerThread.open(), checkpointer.open(), reader.open()]);
    // Alarm events are persisted on the writer thread, after they reached the screens.
    const alarms = new AlarmService(db, logger.child({ component: 'alarms' }), DEFAULT_ALARM_CONFIG, Date.now, writerThread);
    const state = new WardState(config.stationName, registry, ward);
    const batchReader = new BatchReader(db);
    const sync = createStationSync(config, dbPath, () => batchReader.queued(), logger);
    const retention = new RetentionSchedule(writerThread, db, config.storage, logger.child({ component: 'retention' }));
    // Paging systems hear of an alarm after the screens, and never hold them up.
    const acm = config.acm ? stops.adopt('acm', startAcmForwarding({ ...config, acm: config.acm }, alarms, logger), (acm) => acm.stop()) : null;
    const monitoring = new StationMonitoring(config.health, {
      ...{ state, alarms, retention, sync: sync?.client ?? null, queuedRows: () => batchReader.queued() },
      acm: acm && { health: () => acm.forwarder.health(), failing: () => acm.forwarder.failing() },
    });
    const writer = new ObservationWriter(writerThread, {
      place: (deviceId) => ({ bedId: registry.record(deviceId)?.bedId ?? null, patientId: registry.record(deviceId)?.patientId ?? null }),
      onError: (error) => {
        log.error({ err: error.message }, 'commit failed');
        monitoring.counters.storageFailing = true;
        alarms.station('STORAGE_FAILING', true);
      },
      onCommit: () => {
        monitoring.counters.storageFailing = false;
        alarms.station('STORAGE_FAILING', false);
        sync?.client.nudge();
      },
    });
    const waves = createWaveWriter(writerThread, registry, (error) => log.error({ err: error.message }, 'wave commit failed'));
    // Every frame received before stop is stored (and acknowledged) before the threads close.
    stops.defer('writers', async () => {
      await alarms.persisted().catch(() => undefined);
      await waves.close();
      await writer.close();
    });
    // Wave frames reach the screens showing their bed at once; `ui` exists before any device connects.
    const liveWaves = liveWaveSink(waves, (deviceId) => registry.record(deviceId)?.bedId ?? null, (update) => ui.publish({ type: 'wave', update }, (session) => wantsWave(session, update)));
    const { sink, technical } = createIngestSink(config, { state, registry, alarms, writer, metrics: monitoring.metrics, counters: monitoring.counters });
    // When devices together send more than the event loop reads, the busiest wait, not the alarms.
    const loopLoad = new EventLoopPressure();
    loopLoad.start();
    stops.defer('event loop pressure', () => loopLoad.stop());
    const transports = await createDeviceTransports(config, { directory: registry, sink, logger, storage: writer, load: loopLoad, waves: liveWaves });
    const ui = createStationUi(config, { db, state, ward, registry, nurses, alarms, audit, trends: reader, status: () => monitoring.status() }, logger);
    stops.defer('ui', () => ui.stop());
    await ui.start();
    // Monitoring must never keep the station (and its alarms) from running.
    stops.defer('health', () => monitoring.health.stop());
    await monitoring.health.start().catch((error: Error) => log.error({ err: error.message, port: config.health.port }, 'health endpoint not started'));
    for (const channel of transports.channels) {
      await channel.start();
      stops.defer(channel.name, () => channel.stop());
    }
    if (transports.secure) stops.adopt('tls', transports.secure.credentials, (credentials) => credentials.close()).watch();
    state.start();
    stops.defer('ward state', () => state.stop());
    retention.start();
    stops.defer('retention', () => retention.stop());
    sync?.client.start();
    if (sync) stops.defer('sync', () => sync.close());
    alarms.start();
    stops.defer('alarms', () => alarms.stop());
    const backups = config.backup
      ? stops.adopt('backups', new BackupSchedule(dbPath, { dir: config.backup.dir, intervalMs: config.backup.everyHours * 3600_000, keep: config.backup.keep }, logger.child({ component: 'backup' })), (backups) => backups.stop())
      : null;
    backups?.start();
    monitoring.startStatusPush((event) => ui.broadcast(event));
    stops.defer('status push', () => monitoring.stopStatusPush());
    // Registrations, revocations and admissions take effect at once (revoked devices are cut off,
    // the UI gets the new layout); changes by another process (the CLI) within a second.
    registry.onChange(() => {
      transports.revalidate();
      state.layoutChanged();
    });
    // An admission changes which patient a device's samples belong to: one place re-reads that.
    ward.onChange(() => registry.reload());
    const registryWatch = setInterval(() => registry.refreshIfChanged(), 1000);
    registryWatch.unref();
    stops.defer('registry watch', () => clearInterval(registryWatch));
    if (config.demo.enabled) {
      const devices = provisionDemoWard(registry, ward, nurses, config.demo.beds);
      state.layoutChanged();
      // The configuration refuses a demo without the clear-text listener.
      const demo = stops.adopt('demo', new DemoWard(db, `ws://127.0.0.1:${transports.websocket!.port}/devices`, devices), (demo) => demo.stop());
      await demo.start();
    }
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
