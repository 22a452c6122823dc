import type { Database } from 'better-sqlite3';
import type { DeviceRegistry } from '../storage/device-registry.js';
import type { WardRepository } from '../storage/ward-repository.js';
import type { NurseDirectory } from '../storage/nurse-directory.js';
import { lastSeq } from '../storage/observation-queries.js';
import { DeviceClient } from './device-client.js';
import { demoPatientName } from './demo-names.js';
import { SimulatedPatient } from './simulated-patient.js';
import { DemoWaveSource } from './demo-wave-source.js';
import { lastWaveSeq } from '../waves/wave-queries.js';

export const DEMO_ACTOR = 'demo-ward';
/** The demo's nurse account, printed at start so a newcomer can try acknowledging and admitting. */
export const DEMO_NURSE = { id: 'demo', name: 'Demo Nurse', pin: '1234' } as const;
/** Bed (1-based) whose patient deteriorates, so alarms have something to show. */
export const DETERIORATING_BED = 3;

export interface DemoDevice {
  readonly deviceId: string;
  readonly bedId: string;
  readonly key: string;
  readonly deteriorating: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Creates (once) the demo beds, patients and monitors, and gives each demo monitor a fresh key
 * for this run (keys are only stored hashed, so the simulators need new ones each start).
 */
export function provisionDemoWard(registry: DeviceRegistry, ward: WardRepository, nurses: NurseDirectory, beds: number): DemoDevice[] {
  if (!nurses.list().some((n) => n.id === DEMO_NURSE.id)) nurses.add(DEMO_NURSE.id, DEMO_NURSE.name, DEMO_NURSE.pin, DEMO_ACTOR);
  const existingBeds = new Set(ward.beds().map((b) => b.id));
  const devices: DemoDevice[] = [];
  for (let i = 1; i <= beds; i++) {
    const bedId = `DEMO-${pad(i)}`;
    const deviceId = `demo-monitor-${pad(i)}`;
    if (!existingBeds.has(bedId)) {
      ward.addBed(bedId, `Bed ${i}`, DEMO_ACTOR);
      ward.admit({ mrn: `DEMO${String(i).padStart(6, '0')}`, name: demoPatientName(i), bedId }, DEMO_ACTOR);
    }
    let key: string;
    if (!registry.record(deviceId)) {
      key = registry.register({ id: deviceId, model: 'Demo multiparameter monitor', transport: 'websocket', bedId }, DEMO_ACTOR).key!;
    } else {
      key = registry.rotateKey(deviceId, DEMO_ACTOR);
    }
    devices.push({ deviceId, bedId, key, deteriorating: i === DETERIORATING_BED });
  }
  return devices;
}

/** Runs the simulated monitors: real WebSocket clients of the station's device port. */
export class DemoWard {
  private readonly clients: Array<{ client: DeviceClient; patient: SimulatedPatient; waves: DemoWaveSource }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly url: string,
    private readonly devices: readonly DemoDevice[],
    private readonly intervalMs = 1000,
  ) {}

  async start(): Promise<void> {
    const now = Date.now();
    this.devices.forEach((d, i) => {
      const client = new DeviceClient({ url: this.url, key: d.key, firstSeq: lastSeq(this.db, d.deviceId) + 1, firstWaveSeq: lastWaveSeq(this.db, d.deviceId) + 1 });
      // Waves start with the second just past, so no frame is ever ahead of the station's clock.
      this.clients.push({ client, patient: new SimulatedPatient(1000 + i, d.deteriorating, now), waves: new DemoWaveSource(2000 + i, now - 1000) });
    });
    await Promise.all(this.clients.map(({ client }) => client.connect()));
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.clients.map(({ client }) => client.close()));
  }

  private tick(): void {
    const now = Date.now();
    for (const { client, patient, waves } of this.clients) {
      const vitals = patient.next(now);
      client.send(vitals, now);
      for (const frame of waves.next(vitals)) client.sendWave(frame);
    }
  }
}
