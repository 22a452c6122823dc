import { databasePath } from './storage/paths.js';
import type { Database } from 'better-sqlite3';
import type { StationConfig } from './config.js';
import type { Logger } from './log.js';
import { openDatabase } from './storage/database.js';
import { DeviceRegistry } from './storage/device-registry.js';
import { WardRepository } from './storage/ward-repository.js';
import { ObservationWriter } from './storage/observation-writer.js';
import type { WaveWriter } from './waves/wave-writer.js';
import { StorageThread } from './storage/storage-thread.js';
import { RetentionJob } from './storage/retention.js';
import { isVitalCode, VITAL_CODES, type VitalCode } from './protocol/vitals.js';
import type { StationStatus } from './protocol/ui-channel.js';
import { BatchReader } from './sync/batch-reader.js';
import { SyncClient } from './sync/sync-client.js';
import { cloudDispatcher } from './sync/cloud-dispatcher.js';
import { WardState } from './live/ward-state.js';
import { UiServer, type UiSession } from './ui/ui-server.js';
import { loadOrCreateUiToken } from './ui/ui-token.js';
import { NurseSessions } from './ui/nurse-sessions.js';
import { AlarmReview } from './ui/alarm-review.js';
import { NurseDirectory, NurseError } from './storage/nurse-directory.js';
import { AlarmService } from './alarms/alarm-service.js';
import { DEFAULT_ALARM_CONFIG } from './alarms/alarm-rules.js';
import { WebSocketChannel } from './ingest/websocket-channel.js';
import { admitDevice } from './ingest/tls/device-admission.js';
import { createSecureChannels } from './ingest/tls/secure-channels.js';
import type { TlsCredentials } from './ingest/tls/tls-credentials.js';
import type { Channel, IngestSink, Observation, StoreOutcome, TechnicalCondition } from './ingest/channel.js';
import { DemoWard, provisionDemoWard } from './demo/demo-ward.js';
import { HealthServer } from './health/health-server.js';
import { healthReport, type HealthReport } from './health/station-health.js';
import { BackupSchedule } from './storage/backup-schedule.js';
import { StationMetrics } from './health/station-metrics.js';
import { createWaveWriter, startWaveRetention } from './waves/station-waves.js';
import { liveWaveSink, subscribeWaves, wantsWave } from './waves/live-waves.js';

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
  healthReport(): HealthReport;
  stop(): Promise<void>;
}

/** Uses alarm_events_patient_at. */
const SELECT_ALARM_HISTORY = "SELECT at, condition, priority FROM alarm_events WHERE patient_id = ? AND at >= ? AND at < ? AND phase = 'start' ORDER BY at DESC LIMIT 500";
const INSERT_PAUSE_AUDIT = "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, 'alarm.pause_audio', 'station', NULL)";
const INSERT_LIMIT_AUDIT = "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, 'alarm.limits', ?, ?)";

/**
 * Changes from the UI name the nurse signed in at that screen; none without one. Acknowledging,
 * limits, admission, transfer and device assignment need a nurse; pausing the audio does not.
 */
function actorOf(session: UiSession): string {
  if (session.nurse && session.nurse.expiresAt <= Date.now()) session.nurse = null;
  if (!session.nurse) throw Object.assign(new Error('sign in first: changes are recorded with your name'), { code: 'sign_in_required' });
  return `nurse:${session.nurse.id}`;
}

/** Silencing must never wait for a sign-in: the nurse if one is signed in, else the screen. */
function pauseActorOf(session: UiSession): string {
  return session.nurse && session.nurse.expiresAt > Date.now() ? `nurse:${session.nurse.id}` : 'screen:unsigned';
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
  const writerThread = new StorageThread(databasePath(config.dataDir), config.storage.synchronous);
  // Alarm events are persisted on the writer thread, after they reached the screens.
  const alarms = new AlarmService(db, logger.child({ component: 'alarms' }), DEFAULT_ALARM_CONFIG, Date.now, writerThread);
  const state = new WardState(config.stationName, registry, ward);
  const technical = new Map<string, TechnicalCondition>();
  const log = logger.child({ component: 'gateway' });
  const startedAt = Date.now();
  /** For the health endpoint: commits failing now, and connections refused (unknown or revoked keys). */
  const counters = { storageFailing: false, refusedConnections: 0, rejectedFrames: 0 };

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
  const waves = createWaveWriter(writerThread, registry, (error) => log.error({ err: error.message }, 'wave commit failed'));
  // Frames reach the screens showing their bed at once; `ui` exists before any device connects.
  const liveWaves = liveWaveSink(waves, (deviceId) => registry.record(deviceId)?.bedId ?? null, (update) => ui.publish({ type: 'wave', update }, (session) => wantsWave(session, update)));
  const batchReader = new BatchReader(db);
  // Batches are read, serialized and compressed on their own thread: a catch-up after hours
  // offline sends thousands of them, and the event loop acknowledging frames must not wait.
  const syncThread = config.cloud ? new StorageThread(databasePath(config.dataDir), config.storage.synchronous, 'sync') : null;
  const cloudHttp = config.cloud ? cloudDispatcher(config.cloud) : null;
  const sync =
    config.cloud && syncThread
      ? new SyncClient(
          { next: (limit, after) => syncThread.syncNext(limit, after), confirm: (lastId, now, stream) => syncThread.syncConfirm(stream, lastId, now), queued: () => batchReader.queued() },
          { ...config.cloud, dispatcher: cloudHttp },
          logger.child({ component: 'sync' }),
        )
      : null;

  const sink: IngestSink = {
    store(observation: Observation): Promise<StoreOutcome> {
      // The live picture and the alarms never wait for the disk (or anything else).
      if (state.observe(observation, Date.now())) {
        const record = registry.record(observation.deviceId);
        const offlineAfterMs = config.alarms.offlineAfterMs.devices[observation.deviceId] ?? (record ? config.alarms.offlineAfterMs.models[record.model] : undefined) ?? null;
        alarms.sample(record?.bedId ?? null, record?.patientId ?? null, observation.deviceId, observation.vitals, { transport: record?.transport, offlineAfterMs });
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

  // Clear text for legacy devices (devices registered TLS-only are refused there), then TLS.
  const websocket =
    config.tls?.plainWebsocket === false
      ? null
      : new WebSocketChannel(
          { host: config.devices.host, port: config.devices.port, heartbeatMs: config.devices.heartbeatMs, admit: (device, socket) => admitDevice(device, socket, null) },
          { directory: registry, sink, logger: logger.child({ component: 'websocket' }), storage: writer, waves: liveWaves },
        );
  const secure = config.tls ? createSecureChannels({ ...config, tls: config.tls }, { directory: registry, sink, logger, storage: writer, waves: liveWaves }) : null;
  const channels: Channel[] = [...(websocket ? [websocket] : []), ...(secure?.channels ?? [])];
  // Loaded only when used: a station without HL7 or serial never loads their native bindings.
  const optional =
    config.mllp.enabled || config.serialPorts.length > 0
      ? await (await import('./ingest/optional-channels.js')).createOptionalChannels(config, { directory: registry, sink, logger })
      : { channels: [], mllpPort: null };
  channels.push(...optional.channels);

  const uiToken = loadOrCreateUiToken(config.dataDir);
  const alarmReview = new AlarmReview(db);
  const nurseSessions = new NurseSessions(uiToken, config.ui.signInHours * 3600_000);
  const signedIn = (session: UiSession, nurse: { id: string; name: string }) => {
    const issued = nurseSessions.issue(nurse);
    session.nurse = issued.session;
    return { ...issued.session, sessionKey: issued.key };
  };
  const ui = new UiServer(
    { host: config.ui.host, port: config.ui.port, rendererDir: config.rendererDir, token: uiToken },
    {
      'ward.snapshot': () => state.snapshot(),
      'station.status': () => stationStatus(),
      'ward.sparklines': () => state.sparklines(Date.now()),
      'alarms.view': () => alarms.view(),
      'alarms.acknowledge': async ({ alarmId, reason }, session) => {
        alarms.acknowledge(String(alarmId), actorOf(session), reason ? String(reason).slice(0, 200) : null);
        await alarms.persisted();
        return { ok: true };
      },
      'alarms.pauseAudio': async (_params, session) => {
        const actor = pauseActorOf(session);
        alarms.pauseAudio(actor);
        db.prepare(INSERT_PAUSE_AUDIT).run(Date.now(), actor);
        await alarms.persisted();
        return { ok: true };
      },
      'alarms.history': async ({ bedId, from, to }) => {
        // Alarm events are written by the writer thread: the history includes all raised so far.
        await alarms.persisted().catch(() => undefined);
        const patient = ward.beds().find((b) => b.id === String(bedId))?.patient;
        if (!patient) return [];
        return db.prepare(SELECT_ALARM_HISTORY).all(patient.id, Number(from), Number(to)) as Array<{ at: number; condition: string; priority: 'PH' | 'PM' | 'PL' }>;
      },
      'alarms.review': ({ bedId, from, to, limit }) => {
        if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || (bedId != null && typeof bedId !== 'string')) {
          throw Object.assign(new Error('alarms.review needs from < to (epoch ms) and optionally a bedId'), { code: 'invalid_params' });
        }
        const patient = bedId ? ward.beds().find((b) => b.id === bedId)?.patient : null;
        return alarmReview.list({ bedId: bedId ?? null, patientId: patient?.id ?? null, from: Number(from), to: Number(to), limit: Math.min(Math.max(Math.trunc(Number(limit ?? 200)), 1), 1000) });
      },
      'alarms.limits': ({ bedId }) => {
        const result: Partial<Record<VitalCode, { low?: number; high?: number }>> = {};
        for (const code of VITAL_CODES) {
          const limits = alarms.limitsOf(String(bedId), code);
          if (limits.low !== undefined || limits.high !== undefined) result[code] = limits;
        }
        return result;
      },
      'alarms.setLimits': async ({ bedId, code, low, high }, session) => {
        const actor = actorOf(session);
        if (typeof bedId !== 'string' || typeof code !== 'string' || !isVitalCode(code)) throw Object.assign(new Error('alarms.setLimits needs bedId and a vital code'), { code: 'invalid_params' });
        const limits = { ...(Number.isFinite(low) ? { low: Number(low) } : {}), ...(Number.isFinite(high) ? { high: Number(high) } : {}) };
        if (limits.low !== undefined && limits.high !== undefined && limits.low >= limits.high) throw Object.assign(new Error('the low limit must be below the high limit'), { code: 'invalid_params' });
        const before = alarms.limitsOf(bedId, code);
        alarms.setLimits(bedId, code, limits, actor);
        db.prepare(INSERT_LIMIT_AUDIT).run(Date.now(), actor, bedId, JSON.stringify({ code, before, after: limits }));
        await alarms.persisted();
        return alarms.limitsOf(bedId, code);
      },
      'session.nurses': () => nurses.list().filter((n) => !n.disabled).map(({ id, name }) => ({ id, name })),
      'session.signIn': ({ nurseId, pin }, session) => {
        try {
          return signedIn(session, nurses.signIn(String(nurseId), String(pin)));
        } catch (error) {
          if (error instanceof NurseError) throw Object.assign(new Error(error.message), { code: error.code });
          throw error;
        }
      },
      'session.resume': ({ sessionKey }, session) => {
        const resumed = nurseSessions.verify(String(sessionKey));
        // A nurse disabled since signing in is not let back in.
        if (!resumed || !nurses.list().some((n) => n.id === resumed.id && !n.disabled)) throw Object.assign(new Error('your sign-in has ended: sign in again'), { code: 'session_expired' });
        session.nurse = resumed;
        return { ...resumed, sessionKey: String(sessionKey) };
      },
      'session.signOut': ({ sessionKey }, session) => {
        if (typeof sessionKey === 'string') nurseSessions.revoke(sessionKey);
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
      'waves.subscribe': (params, session) => subscribeWaves(params, session),
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
    websocket?.revalidate();
    secure?.websocket?.revalidate();
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
  secure?.credentials.watch();
  state.start();
  retention.start();
  const stopWaveRetention = startWaveRetention(db, config.storage, () => retention.use(), logger.child({ component: 'retention' }));
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
    // The configuration refuses a demo without the clear-text listener.
    demo = new DemoWard(db, `ws://127.0.0.1:${websocket!.port}/devices`, devices);
    await demo.start();
  }

  log.info({ devicePort: websocket?.port ?? null, deviceTlsPort: secure?.websocket?.port ?? null, mllpPort: optional.mllpPort, mllpTlsPort: secure?.mllp?.port ?? null, uiPort: ui.port, demo: config.demo.enabled }, 'station started');

  return {
    config,
    db,
    registry,
    ward,
    nurses,
    alarms,
    writer,
    waves,
    state,
    ui,
    technical,
    devicePort: websocket?.port ?? 0,
    mllpPort: optional.mllpPort,
    deviceTlsPort: secure?.websocket?.port ?? null,
    mllpTlsPort: secure?.mllp?.port ?? null,
    tls: secure?.credentials ?? null,
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
      stopWaveRetention();
      await sync?.stop();
      await cloudHttp?.close();
      await syncThread?.close();
      if (demo) await demo.stop();
      secure?.credentials.close();
      for (const channel of [...channels].reverse()) await channel.stop();
      await alarms.persisted().catch(() => undefined);
      await waves.close();
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
