import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type CliOverrides, type StationConfig } from '../../gateway/config.js';
import { silentLogger } from '../../gateway/log.js';
import { startStation, type Station } from '../../gateway/station.js';

export function tempDir(prefix = 'ward-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Station config for tests: loopback, free ports, its own data dir, no demo unless asked. */
export function testConfig(dataDir: string, overrides: CliOverrides = {}): StationConfig {
  return loadConfig({ dataDir, devicePort: 0, mllpPort: 0, uiPort: 0, healthPort: 0, deviceHost: '127.0.0.1', demo: false, mllp: false, ...overrides }, { HOME: dataDir });
}

export async function startTestStation(overrides: CliOverrides = {}): Promise<{ station: Station; dir: { path: string; remove(): void }; stop(): Promise<void> }> {
  const dir = tempDir();
  const station = await startStation(testConfig(dir.path, overrides), silentLogger());
  return {
    station,
    dir,
    async stop() {
      await station.stop();
      dir.remove();
    },
  };
}

/** A test station with bed B1, a patient admitted to it, and monitor mon-1 (WebSocket) at that bed; `key` is the monitor's. */
export async function startStationWithMonitor(): Promise<{ station: Station; stop(): Promise<void>; key: string }> {
  const { station, stop } = await startTestStation();
  station.ward.addBed('B1', 'Bed 1', 'test');
  station.ward.admit({ bedId: 'B1', mrn: 'MRN1', name: 'Test Patient' }, 'test');
  const key = station.registry.register({ id: 'mon-1', model: 'Test monitor', transport: 'websocket', bedId: 'B1' }, 'test').key!;
  return { station, stop, key };
}
