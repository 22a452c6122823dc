import type { Database } from 'better-sqlite3';
import type { DeviceRegistry } from '../storage/device-registry.js';
import type { StorageUse } from '../storage/retention.js';
import type { Logger } from '../log.js';
import { WaveRetention } from './wave-retention.js';
import { WaveWriter, type WaveBatchExecutor } from './wave-writer.js';

/** The station's wave writer: blocks filed under the device's bed and patient at receipt. */
export function createWaveWriter(executor: WaveBatchExecutor, registry: DeviceRegistry, onError: (error: Error) => void): WaveWriter {
  return new WaveWriter(executor, {
    place: (deviceId) => {
      const record = registry.record(deviceId);
      return { bedId: record?.bedId ?? null, patientId: record?.patientId ?? null };
    },
    onError,
  });
}

/** Runs wave retention now and every `intervalMs`; returns its stop. */
export function startWaveRetention(db: Database, options: { waveRetentionHours: number }, use: () => StorageUse, logger: Logger, intervalMs = 10 * 60_000): () => void {
  const retention = new WaveRetention(db, options, use, logger);
  const run = () => {
    try {
      retention.run();
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'wave retention pass failed');
    }
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
