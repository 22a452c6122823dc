import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { openDatabase } from '../../gateway/storage/database.js';
import { DeviceRegistry } from '../../gateway/storage/device-registry.js';
import { WardRepository } from '../../gateway/storage/ward-repository.js';
import { databasePath } from '../../gateway/station.js';
import { freePort, startGatewayProcess, type Ready } from './gateway-process.js';
import { tempDir } from './station-fixture.js';

export interface ProvisionedGateway {
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly ready: Ready;
  readonly exited: Promise<number | null>;
  readonly devicePort: number;
  readonly mllpPort: number | null;
  /** WebSocket device id → its key. */
  readonly keys: ReadonlyMap<string, string>;
  /** The gateway's resident set size now, from /proc. */
  rssMb(): number;
  /** SIGKILL (nothing flushed on the way out), then removes the data folder after `inspect`. */
  killAndInspect<T>(inspect: (dbPath: string) => T): Promise<T>;
}

/**
 * A data folder with beds and registered devices (through the same registry the CLI uses, in one
 * go), and the gateway started on it as its own process, as in production.
 */
export async function provisionedGateway(opts: { websocket: readonly string[]; hl7?: readonly string[]; mllp?: boolean }): Promise<ProvisionedGateway> {
  const dir = tempDir('ward-gw-');
  const db = openDatabase(databasePath(dir.path));
  const registry = new DeviceRegistry(db);
  const ward = new WardRepository(db);
  const keys = new Map<string, string>();
  let bed = 0;
  for (const id of opts.websocket) {
    ward.addBed(`BED-${++bed}`, `Bed ${bed}`, 'provision');
    keys.set(id, registry.register({ id, model: 'Provisioned', transport: 'websocket', bedId: `BED-${bed}` }, 'provision').key!);
  }
  for (const id of opts.hl7 ?? []) {
    ward.addBed(`BED-${++bed}`, `Bed ${bed}`, 'provision');
    registry.register({ id, model: 'Provisioned HL7', transport: 'hl7', bedId: `BED-${bed}` }, 'provision');
  }
  db.close();
  const devicePort = await freePort();
  const mllpArgs = opts.mllp ? ['--mllp-port', String(await freePort())] : ['--no-mllp'];
  const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', String(devicePort), '--ui-port', '0', ...mllpArgs, '--no-demo']);
  const pid = gateway.child.pid!;
  return {
    dataDir: dir.path,
    child: gateway.child,
    ready: gateway.ready,
    exited: gateway.exited,
    devicePort,
    mllpPort: gateway.ready.mllpPort,
    keys,
    rssMb() {
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return rss ? Number(rss[1]) / 1024 : 0;
    },
    async killAndInspect(inspect) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
      try {
        return inspect(databasePath(dir.path));
      } finally {
        dir.remove();
      }
    },
  };
}
