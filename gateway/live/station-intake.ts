import type { AlarmService } from '../alarms/alarm-service.js';
import type { StationConfig } from '../config.js';
import type { TechnicalCondition } from '../domain/device.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import type { StationMonitoring } from '../health/station-monitoring.js';
import type { Logger } from '../log.js';
import type { StopStack } from '../protocol/stop-stack.js';
import { ObservationWriter } from '../storage/observation-writer.js';
import type { StationStorage } from '../storage/station-storage.js';
import type { SyncClient } from '../sync/sync-client.js';
import { liveWaveSink } from '../waves/live-waves.js';
import { createWaveWriter } from '../waves/station-waves.js';
import type { WaveSink } from '../waves/wave-sink.js';
import type { WaveWriter } from '../waves/wave-writer.js';
import type { BedWaveUpdate } from '../protocol/ui-channel.js';
import { createIngestSink } from './ingest-sink.js';
import type { WardState } from './ward-state.js';

export interface StationIntake {
  readonly writer: ObservationWriter;
  readonly waves: WaveWriter;
  /** Where transports hand wave frames: stored, and shown at once on the screens showing the bed. */
  readonly liveWaves: WaveSink;
  readonly sink: IngestSink;
  readonly technical: ReadonlyMap<string, TechnicalCondition>;
}

/**
 * What devices send, from the sink to the writer thread: vitals and waves by group commit (a
 * commit is the device's acknowledgement). A failed commit raises STORAGE_FAILING; the next commit
 * clears it and wakes the cloud link. On stop, everything received is committed before the
 * threads close.
 */
export function createStationIntake(
  config: StationConfig,
  parts: { storage: StationStorage; state: WardState; alarms: AlarmService; monitoring: StationMonitoring; sync: SyncClient | null; showWave: (update: BedWaveUpdate) => void },
  stops: StopStack,
  log: Logger,
): StationIntake {
  const { storage, state, alarms, monitoring, sync } = parts;
  const { registry } = storage;
  const writer = new ObservationWriter(storage.writerThread, {
    place: (deviceId) => ({ bedId: registry.record(deviceId)?.bedId ?? null, patientId: registry.record(deviceId)?.patientId ?? null }),
    onError: (error) => {
      log.error({ err: error.message }, 'commit failed');
      monitoring.counters.storageFailing = true;
      alarms.station('STORAGE_FAILING', true);
    },
    onCommit: () => {
      monitoring.counters.storageFailing = false;
      alarms.station('STORAGE_FAILING', false);
      sync?.nudge();
    },
  });
  const waves = createWaveWriter(storage.writerThread, registry, (error) => log.error({ err: error.message }, 'wave commit failed'));
  stops.defer('writers', async () => {
    await alarms.persisted().catch(() => undefined);
    await waves.close();
    await writer.close();
  });
  const liveWaves = liveWaveSink(waves, (deviceId) => registry.record(deviceId)?.bedId ?? null, parts.showWave);
  const { sink, technical } = createIngestSink(config, { state, registry, alarms, writer, metrics: monitoring.metrics, counters: monitoring.counters });
  return { writer, waves, liveWaves, sink, technical };
}
