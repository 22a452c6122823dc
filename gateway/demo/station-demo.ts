import type { WardState } from '../live/ward-state.js';
import type { StopStack } from '../protocol/stop-stack.js';
import type { StationStorage } from '../storage/station-storage.js';
import { DemoWard, provisionDemoWard } from './demo-ward.js';

/**
 * The demo ward: beds, patients and a nurse provisioned, and one simulated monitor per bed
 * connected to the station's clear-text device listener at `deviceUrl`.
 */
export async function startDemoWard(storage: StationStorage, beds: number, state: WardState, deviceUrl: string, stops: StopStack): Promise<void> {
  const devices = provisionDemoWard(storage.registry, storage.ward, storage.nurses, beds);
  state.layoutChanged();
  const demo = stops.adopt('demo', new DemoWard(storage.db, deviceUrl, devices), (demo) => demo.stop());
  await demo.start();
}
