import { databasePath } from './storage/paths.js';
import type { Database } from 'better-sqlite3';
import type { StationConfig } from './config.js';
import type { Logger } from './log.js';
import { openDatabase } from './storage/database.js';
import { DeviceRegistry } from './storage/device-registry.js';
import { WardRepository } from './storage/ward-repository.js';
import { ObservationWriter } from './storage/observation-writer.js';
import { StorageThread } from './storage/storage-thread.js';
import { RetentionJob } from './storage/retention.js';
import { isVitalCode, VITAL_CODES, type VitalCode } from './protocol/vitals.js';
import type { StationStatus } from './protocol/ui-channel.js';
import { BatchReader } from './sync/batch-reader.js';
import { SyncClient } from './sync/sync-client.js';
import { WardState } from './live/ward-state.js';
import { UiServer, type UiSession } from './ui/ui-server.js';
import { NurseDirectory, NurseError } from './storage/nurse-directory.js';
import { AlarmService } from './alarms/alarm-service.js';
import { WebSocketChannel } from './ingest/websocket-channel.js';
import type { Channel, IngestSink, Observation, StoreOutcome, TechnicalCondition } from './ingest/channel.js';
import { DemoWard, provisionDemoWard } from './demo/demo-ward.js';
import { HealthServer } from './health/health-server.js';
import { healthReport, type HealthReport } from './health/station-health.js';
import { BackupSchedule } from './storage/backup-schedule.js';
import { StationMetrics } from './health/station-metrics.js';

export interface Station {
  readonly config: StationConfig;
  readonly db: Database;
  readonly registry: DeviceRegistry;
  readonly ward: WardRepository;
  readonly nurses: NurseDirectory;
  readonly alarms: AlarmService;
  readonly writer: ObservationWriter;
  readonly state: WardState;
  readonly ui: UiServer;
  readonly devicePort: number;
  readonly mllpPort: number | null;
  /** Technical conditions reported by devices, newest state per (device, kind, vital). */
  readonly technical: ReadonlyMap<string, TechnicalCondition>;
  readonly sync: SyncClient | null;
  readonly health: HealthServer;
  readonly backups: BackupSchedule | null;
  healthReport(): HealthReport;
  stop(): Promise<void>;
}

/** Uses alarm_events_patient_at. */
const SELECT_ALARM_HISTORY = "SELECT at, condition, priority FROM alarm_events WHERE patient_id = ? AND at >= ? AND at < ? AND phase = 'start' ORDER BY at DESC LIMIT 500";
const INSERT_PAUSE_AUDIT = "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, 'alarm.pause_audio', 'station', NULL)";
const INSERT_LIMIT_AUDIT = "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, 'alarm.limits', ?, ?)";

/** Changes from the UI name the nurse signed in at that screen; none without one. */
function actorOf(session: UiSession): string {
  if (!session.nurse) throw Object.assign(new Error('sign in first: changes are recorded with your name'), { code: 'sign_in_required' });
  return `nurse:${session.nurse.id}`;
}

export { databasePath };

/**
 * Composition root of the gateway: storage, the live ward picture, the UI server, the device
 * transports and (when configured) the demo ward. Shutdown runs in reverse order and waits for
 * pending commits, so every frame received before stop is stored and acknowledged.
 */
export async function startStation(config: StationConfig, logger: Logger): Promise<Station> {
  const db = openDatabase(databasePath(config.dataDir), { synchronous: config.storage.synchronous });
  const registry = new DeviceRegistry(db);
  const ward = new WardRepository(db);
  const nurses = new NurseDirectory(db);
  const alarms = new AlarmService(db, logger.child({ component: 'alarms' }));
  const state = new WardState(config.stationName, registry, ward);
  const technical = new Map<string, TechnicalCondition>();
  const log = logger.child({ component: 'gateway' });
  const startedAt = Date.now();
  /** For the health endpoint: commits failing now, and connections refused (unknown or revoked keys). */
  const counters = { storageFailing: false, refusedConnections: 0, rejectedFrames: 0 };

  const writerThread = new StorageThread(databasePath(config.dataDir), config.storage.synchronous);
  const checkpointer = new StorageThread(databasePath(config.dataDir), config.storage.synchronous, 'checkpointer');
  const reader = new StorageThread(databasePath(config.dataDir), config.storage.synchronous, 'reader');
  // Opened before any device may connect, so the first frames do not wait for the threads.
  await Promise.all([writerThread.open(), checkpointer.open(), reader.open()]);
  const writer = new ObservationWriter(writerThread, {
    place: (deviceId) => {
      const record = registry.record(deviceId);
      return { bedId: record?.bedId ?? null, patientId: record?.patientId ?? null };
    },
    onError: (error) => {
      log.error({ err: error.message }, 'commit failed');
      counters.storageFailing = true;
      alarms.station('STORAGE_FAILING', true);
    },
    onCommit: () => {
      counters.storageFailing = false;
      alarms.station('STORAGE_FAILING', false);
      sync?.nudge();
    },
  });
  const batchReader = new BatchReader(db);
  // Batches are read, serialized and compressed on their own thread: a catch-up after hours
  // offline sends thousands of them, and the event loop acknowledging frames must not wait.
  const syncThread = config.cloud ? new StorageThread(databasePath(config.dataDir), config.storage.synchronous, 'sync') : null;
  const sync =
    config.cloud && syncThread
      ? new SyncClient(
          { next: (limit) => syncThread.syncNext(limit), confirm: (lastId, now, stream) => syncThread.syncConfirm(stream, lastId, now), queued: () => batchReader.queued() },
          config.cloud,
          logger.child({ component: 'sync' }),
        )
      : null;

  const sink: IngestSink = {
    store(observation: Observation): Promise<StoreOutcome> {
      // The live picture and the alarms never wait for the disk (or anything else).
      if (state.observe(observation, Date.now())) {
        const record = registry.record(observation.deviceId);
        alarms.sample(record?.bedId ?? null, record?.patientId ?? null, observation.deviceId, observation.vitals);
      }
      const receivedAt = performance.now();
      const stored = writer.store(observation);
      stored.then(() => metrics.frameStored(receivedAt), () => undefined);
      return stored;
    },
    connection(deviceId, transport, connectionState) {
      state.connection(deviceId, transport, connectionState);
    },
    technical(condition) {
      technical.set(`${condition.deviceId}|${condition.kind}|${condition.vital ?? ''}`, condition);
      state.technical(condition, Date.now());
      alarms.technical(condition, registry.record(condition.deviceId)?.bedId ?? null);
    },
    rejected(deviceId, _transport, code) {
      if (code === 'unauthorized' || code === 'unknown_device') counters.refusedConnections++;
      else counters.rejectedFrames++;
      state.rejected(deviceId);
    },
  };

  const websocket = new WebSocketChannel(
    { host: config.devices.host, port: config.devices.port },
    { directory: registry, sink, logger: logger.child({ component: 'websocket' }) },
  );
  const channels: Channel[] = [websocket];
  // Loaded only when used: a station without HL7 or serial never loads their native bindings.
  const optional =
    config.mllp.enabled || config.serialPorts.length > 0
      ? await (await import('./ingest/optional-channels.js')).createOptionalChannels(config, { directory: registry, sink, logger })
      : { channels: [], mllpPort: null };
  channels.push(...optional.channels);

  const ui = new UiServer(
    { host: config.ui.host, port: config.ui.port, rendererDir: config.rendererDir },
    {
      'ward.snapshot': () => state.snapshot(),
      'station.status': () => stationStatus(),
      'alarms.view': () => alarms.view(),
      'alarms.acknowledge': ({ alarmId, reason }, session) => {
        alarms.acknowledge(String(alarmId), actorOf(session), reason ? String(reason).slice(0, 200) : null);
        return { ok: true };
      },
      'alarms.pauseAudio': (_params, session) => {
        const actor = actorOf(session);
        alarms.pauseAudio(actor);
        db.prepare(INSERT_PAUSE_AUDIT).run(Date.now(), actor);
        return { ok: true };
      },
      'alarms.history': ({ bedId, from, to }) => {
        const patient = ward.beds().find((b) => b.id === String(bedId))?.patient;
        if (!patient) return [];
        return db.prepare(SELECT_ALARM_HISTORY).all(patient.id, Number(from), Number(to)) as Array<{ at: number; condition: string; priority: 'PH' | 'PM' | 'PL' }>;
      },
      'alarms.limits': ({ bedId }) => {
        const result: Partial<Record<VitalCode, { low?: number; high?: number }>> = {};
        for (const code of VITAL_CODES) {
          const limits = alarms.limitsOf(String(bedId), code);
          if (limits.low !== undefined || limits.high !== undefined) result[code] = limits;
        }
        return result;
      },
      'alarms.setLimits': ({ bedId, code, low, high }, session) => {
        const actor = actorOf(session);
        if (typeof bedId !== 'string' || typeof code !== 'string' || !isVitalCode(code)) throw Object.assign(new Error('alarms.setLimits needs bedId and a vital code'), { code: 'invalid_params' });
        const limits = { ...(Number.isFinite(low) ? { low: Number(low) } : {}), ...(Number.isFinite(high) ? { high: Number(high) } : {}) };
        if (limits.low !== undefined && limits.high !== undefined && limits.low >= limits.high) throw Object.assign(new Error('the low limit must be below the high limit'), { code: 'invalid_params' });
        const before = alarms.limitsOf(bedId, code);
        alarms.setLimits(bedId, code, limits, actor);
        db.prepare(INSERT_LIMIT_AUDIT).run(Date.now(), actor, bedId, JSON.stringify({ code, before, after: limits }));
        return alarms.limitsOf(bedId, code);
      },
      'session.nurses': () => nurses.list().filter((n) => !n.disabled).map(({ id, name }) => ({ id, name })),
      'session.signIn': ({ nurseId, pin }, session) => {
        try {
          session.nurse = nurses.signIn(String(nurseId), String(pin));
        } catch (error) {
          if (error instanceof NurseError) throw Object.assign(new Error(error.message), { code: error.code });
          throw error;
        }
        return session.nurse;
      },
      'session.signOut': (_params, session) => {
        session.nurse = null;
        return { ok: true };
      },
      'ward.admit': ({ bedId, mrn, name, birthDate }, session) => {
        ward.admit({ bedId: String(bedId), mrn: String(mrn ?? ''), name: String(name ?? ''), birthDate: birthDate ? String(birthDate) : null }, actorOf(session));
        return { ok: true };
      },
      'ward.discharge': ({ bedId }, session) => {
        ward.dischargeFromBed(String(bedId), actorOf(session));
        return { ok: true };
      },
      'ward.transfer': ({ fromBedId, toBedId }, session) => {
        ward.transfer(String(fromBedId), String(toBedId), actorOf(session));
        return { ok: true };
      },
      'devices.assign': ({ deviceId, bedId }, session) => {
        registry.assign(String(deviceId), bedId === null ? null : String(bedId), actorOf(session));
        return { ok: true };
      },
      'trend.get': async (params) => {
        const { bedId, code, from, to } = params;
        if (typeof bedId !== 'string' || typeof code !== 'string' || !isVitalCode(code) || !Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
          throw Object.assign(new Error('trend.get needs bedId, a vital code and from < to (epoch ms)'), { code: 'invalid_params' });
        }
        const patient = ward.beds().find((b) => b.id === bedId)?.patient;
        if (!patient) return { bedId, code, bucketMs: 0, points: [] };
        const maxPoints = Math.min(Math.max(Math.trunc(params.maxPoints ?? 600), 1), 5000);
        return { bedId, code, ...(await reader.trend(patient.id, code, from, to, maxPoints)) };
      },
    },
    (send) => {
      send({ type: 'snapshot', ward: state.snapshot() });
      send({ type: 'alarms', events: [], view: alarms.view() });
    },
    logger.child({ component: 'ui' }),
  );
  state.subscribe((event) => ui.broadcast(event));
  // Alarm changes go out at once, not with the coalesced vitals.
  alarms.onChange((events, view) => ui.broadcast({ type: 'alarms', events, view }));

  // Registrations, revocations and admissions take effect at once: revoked devices are cut off
  // and the UI gets the new layout. Changes made by another process (the CLI) are noticed
  // within a second through SQLite's data_version.
  registry.onChange(() => {
    websocket.revalidate();
    state.layoutChanged();
  });
  // An admission changes which patient a device's samples belong to: one place re-reads that.
  ward.onChange(() => registry.reload());
  const registryWatch = setInterval(() => registry.refreshIfChanged(), 1000);
  registryWatch.unref();

  const retention = new RetentionJob(db, config.storage, logger.child({ component: 'retention' }));
  const stationStatus = (): StationStatus => ({
    sync: sync ? sync.status() : { enabled: false, queuedRows: batchReader.queued(), lastSuccessAt: null, consecutiveFailures: 0, lastError: null },
    storage: retention.lastUse ?? retention.use(),
  });

  const report = (): HealthReport =>
    healthReport(
      {
        startedAt,
        storage: retention.lastUse ?? retention.use(),
        storageFailing: counters.storageFailing,
        devices: state.snapshot().devices,
        refusedConnections: counters.refusedConnections,
        rejectedFrames: counters.rejectedFrames,
        sync: stationStatus().sync,
        alarmLastTickAt: alarms.lastTickAt,
      },
      Date.now(),
    );
  const metrics = new StationMetrics(report, () => {
    const counts = { high: 0, medium: 0, low: 0 };
    for (const alarm of alarms.view().present) counts[alarm.priority]++;
    return counts;
  });
  const health = new HealthServer(config.health, report, () => metrics.scrape());
  const backups = config.backup
    ? new BackupSchedule(databasePath(config.dataDir), { dir: config.backup.dir, intervalMs: config.backup.everyHours * 3600_000, keep: config.backup.keep }, logger.child({ component: 'backup' }))
    : null;

  const started: Channel[] = [];
  try {
    await ui.start();
    // Monitoring must never keep the station (and its alarms) from running.
    await health.start().catch((error: Error) => log.error({ err: error.message, port: config.health.port }, 'health endpoint not started'));
    for (const channel of channels) {
      await channel.start();
      started.push(channel);
    }
  } catch (error) {
    for (const channel of started.reverse()) await channel.stop();
    await health.stop();
    await ui.stop();
    db.close();
    throw error;
  }
  state.start();
  retention.start();
  sync?.start();
  alarms.start();
  backups?.start();
  const statusPush = setInterval(() => {
    const status = stationStatus();
    ui.broadcast({ type: 'status', status });
    alarms.station('STORAGE_NEAR_BUDGET', status.storage.nearBudget);
    // Sync failing for a while is worth a (low) technical alarm; a blip is not.
    alarms.station('SYNC_FAILING', status.sync.enabled && status.sync.consecutiveFailures >= 5);
  }, 5000);
  statusPush.unref();

  let demo: DemoWard | null = null;
  if (config.demo.enabled) {
    const devices = provisionDemoWard(registry, ward, nurses, config.demo.beds);
    state.layoutChanged();
    demo = new DemoWard(db, `ws://127.0.0.1:${websocket.port}/devices`, devices);
    await demo.start();
  }

  log.info({ devicePort: websocket.port, mllpPort: optional.mllpPort, uiPort: ui.port, demo: config.demo.enabled }, 'station started');

  return {
    config,
    db,
    registry,
    ward,
    nurses,
    alarms,
    writer,
    state,
    ui,
    technical,
    devicePort: websocket.port,
    mllpPort: optional.mllpPort,
    sync,
    health,
    backups,
    healthReport: report,
    async stop() {
      clearInterval(registryWatch);
      await backups?.stop();
      clearInterval(statusPush);
      alarms.stop();
      retention.stop();
      await sync?.stop();
      await syncThread?.close();
      if (demo) await demo.stop();
      for (const channel of [...channels].reverse()) await channel.stop();
      await writer.close();
      await checkpointer.close();
      await reader.close();
      state.stop();
      await health.stop();
      await ui.stop();
      db.close();
      log.info('station stopped');
    },
  };
}
