import type { DeviceRegistry } from '../storage/device-registry.js';
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
