import type { AlarmService } from '../alarms/alarm-service.js';
import type { StationConfig } from '../config.js';
import type { StationCounters } from '../health/station-monitoring.js';
import type { StationMetrics } from '../health/station-metrics.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import type { Observation, StoreOutcome } from '../domain/observation.js';
import type { TechnicalCondition } from '../domain/device.js';
import type { DeviceRegistry } from '../storage/device-registry.js';
import type { ObservationWriter } from '../storage/observation-writer.js';
import type { WardState } from './ward-state.js';

/**
 * Where every transport hands what devices send. The live picture and the alarms come first and
 * never wait for the disk (or anything else); then the frame goes to the writer thread, whose
 * commit is the device's acknowledgement.
 */
export function createIngestSink(
  config: Pick<StationConfig, 'alarms'>,
  parts: { state: WardState; registry: DeviceRegistry; alarms: AlarmService; writer: ObservationWriter; metrics: StationMetrics; counters: StationCounters },
): { sink: IngestSink; technical: ReadonlyMap<string, TechnicalCondition> } {
  const { state, registry, alarms, writer, metrics, counters } = parts;
  const technical = new Map<string, TechnicalCondition>();
  const sink: IngestSink = {
    store(observation: Observation): Promise<StoreOutcome> {
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
  return { sink, technical };
}
