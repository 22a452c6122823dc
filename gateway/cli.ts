#!/usr/bin/env node
/**
 * The gateway's one entry: `npm run gateway -- [run] [flags]` runs the station headless; the
 * Electron shell runs this same file as a utilityProcess. Sub-commands let IT manage devices,
 * beds and admissions on the station's database (also while the station runs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, defaultDataDir, type CliOverrides } from './config.js';
import { createLogger } from './log.js';
import { databasePath } from './storage/paths.js';
import { lockStation, StationLockError } from './storage/station-lock.js';
import { deviceInventoryCsv } from './admin/device-inventory.js';
import { importWardCsv, ImportError } from './admin/bulk-import.js';
import { backupDatabase, restoreDatabase, BackupError } from './storage/backup.js';
import { openDatabase } from './storage/database.js';
import { DeviceRegistry, RegistryError } from './storage/device-registry.js';
import { WardRepository, WardError } from './storage/ward-repository.js';
import { NurseDirectory, NurseError } from './storage/nurse-directory.js';
import type { Transport } from './domain/device.js';
import { AcmOutbox } from './acm/acm-outbox.js';

const USAGE = `Usage: ward-station [command] [options]   (from a checkout: npm run gateway -- [command] [options])

Commands:
  run (default)                         run the station headless
  devices list
  devices add --id ID --model MODEL [--transport websocket|hl7|serial] [--bed BED] [--tls-only]
                                        register a device; prints a WebSocket device's key once;
                                        --tls-only: refused on the clear-text ws:// and MLLP ports
  devices revoke --id ID                refuse the device from now on (connections are closed)
  devices rotate-key --id ID            issue a new key; the old one stops working
  devices assign --id ID --bed BED|none
  beds list
  beds add --id BED [--label LABEL]
  patients admit --bed BED --mrn MRN --name NAME [--dob YYYY-MM-DD]
  patients discharge --bed BED
  nurses list
  nurses add --id ID --name NAME --pin DIGITS   a nurse who signs in at the station (PIN 4-12 digits)
  nurses set-pin --id ID --pin DIGITS
  nurses disable --id ID
  patients transfer --bed BED --to BED
  devices export --to FILE              the device list as CSV, for the biomedical engineering inventory
  import --from FILE [--keys FILE]      beds, devices and nurses from one CSV (idempotent: re-import after editing);
                                        new WebSocket devices' keys go to --keys FILE, created readable by you only
  backup --to FILE                      online, consistent copy of the database (also while the station runs)
  restore --from FILE                   replace the database with a checked backup (the station must be stopped)
  health                                print the running station's health report (exit 1 unless ok)
  acm status                            alarm forwarding to the ACM: queue, failures, newest messages and their statuses

Options (run):
  --config FILE        configuration file (default: DATA_DIR/station.json)
  --data-dir DIR       data folder (default: ${defaultDataDir()}; env WARD_DATA_DIR)
  --device-host HOST   address devices connect to (default 0.0.0.0)
  --device-port N      WebSocket device port (default 7400)
  --mllp-port N        HL7/MLLP port (default 2575)
  --device-tls-port N  wss:// device port when "tls" is configured (default 7443)
  --mllp-tls-port N    MLLP over TLS port when "tls" is configured (default 2576)
  --no-mllp            do not listen for HL7/MLLP
  --ui-port N          loopback UI port (default 7401)
  --health-port N      health and metrics port (default 7402, loopback unless the file sets health.host)
  --demo / --no-demo   run the demo ward (default: on when no configuration file exists)
  --demo-beds N        demo ward size (default 16)
  --renderer-dir DIR   built UI to serve (default out/renderer)
  --ready-json         print one JSON line {"ready":{...}} when started (for tools and tests)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  strict: true,
  options: {
    config: { type: 'string' },
    'data-dir': { type: 'string' },
    'device-host': { type: 'string' },
    'device-port': { type: 'string' },
    'mllp-port': { type: 'string' },
    'no-mllp': { type: 'boolean' },
    'ui-port': { type: 'string' },
    'health-port': { type: 'string' },
    demo: { type: 'boolean' },
    'no-demo': { type: 'boolean' },
    'demo-beds': { type: 'string' },
    'renderer-dir': { type: 'string' },
    'station-name': { type: 'string' },
    'ready-json': { type: 'boolean' },
    id: { type: 'string' },
    model: { type: 'string' },
    transport: { type: 'string' },
    bed: { type: 'string' },
    label: { type: 'string' },
    mrn: { type: 'string' },
    name: { type: 'string' },
    dob: { type: 'string' },
    to: { type: 'string' },
    pin: { type: 'string' },
    'tls-only': { type: 'boolean' },
    'device-tls-port': { type: 'string' },
    'mllp-tls-port': { type: 'string' },
    from: { type: 'string' },
    keys: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--${name} must be an integer 0-65535`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function required(name: 'id' | 'model' | 'bed' | 'mrn' | 'name' | 'to' | 'pin' | 'from'): string {
  const value = values[name];
  if (!value) fail(`--${name} is required`);
  return value;
}

const overrides: CliOverrides = {
  config: values.config,
  dataDir: values['data-dir'],
  deviceHost: values['device-host'],
  devicePort: int('device-port', values['device-port']),
  mllpPort: int('mllp-port', values['mllp-port']),
  mllp: values['no-mllp'] ? false : undefined,
  uiPort: int('ui-port', values['ui-port']),
  healthPort: int('health-port', values['health-port']),
  demo: values['no-demo'] ? false : values.demo ? true : undefined,
  demoBeds: int('demo-beds', values['demo-beds']),
  rendererDir: values['renderer-dir'],
  stationName: values['station-name'],
  deviceTlsPort: int('device-tls-port', values['device-tls-port']),
  mllpTlsPort: int('mllp-tls-port', values['mllp-tls-port']),
};

const ACTOR = `cli:${process.env.USER ?? 'admin'}`;

async function run(): Promise<void> {
  const config = loadConfig(overrides);
  const logger = createLogger();
  const unlock = lockStation(config.dataDir);
  // Loaded here only: admin commands never pay for the transports, the UI server and sync.
  const { startStation } = await import('./station.js');
  const { DEMO_NURSE } = await import('./demo/demo-ward.js');
  const station = await startStation(config, logger).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const ready = {
    uiUrl: station.ui.pageUrl,
    channelUrl: station.ui.channelUrl,
    token: station.ui.token,
    devicePort: station.devicePort,
    mllpPort: station.mllpPort,
    deviceTlsPort: station.deviceTlsPort,
    mllpTlsPort: station.mllpTlsPort,
    healthUrl: `http://${config.health.host.includes(':') ? `[${config.health.host}]` : config.health.host}:${station.health.port}/health`,
    dataDir: config.dataDir,
    demo: config.demo.enabled,
  };
  // Before saying it is ready: a supervisor may stop it the moment it reads that line.
  let stopping = false;
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  // Inside Electron, main receives the UI connection through the utilityProcess port.
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: string, f: (m: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) {
    parentPort.postMessage({ type: 'ready', ...ready });
    parentPort.on('message', (m) => {
      if ((m.data as { type?: string })?.type === 'shutdown') void shutdown();
    });
  }
  if (values['ready-json']) process.stdout.write(`${JSON.stringify({ ready })}\n`);
  process.stdout.write(
    [
      '',
      `Ward station "${config.stationName}" is running.`,
      `  UI (open in a browser on this machine): ${station.ui.pageUrl}`,
      station.devicePort !== 0 ? `  WebSocket devices: ws://${config.devices.host}:${station.devicePort}/devices` : '  WebSocket devices: clear text off',
      station.deviceTlsPort !== null ? `  WebSocket (TLS):   wss://${config.devices.host}:${station.deviceTlsPort}/devices` : '',
      station.mllpPort !== null ? `  HL7 v2 / MLLP:     tcp://${config.mllp.host}:${station.mllpPort}` : '  HL7 v2 / MLLP:     off',
      station.mllpTlsPort !== null ? `  MLLP over TLS:     tls://${config.mllp.host}:${station.mllpTlsPort}` : '',
      `  Health:            ${ready.healthUrl}`,
      `  Data:              ${databasePath(config.dataDir)}`,
      config.demo.enabled ? `  Demo ward:         ${config.demo.beds} simulated monitors; sign in as nurse "${DEMO_NURSE.id}", PIN ${DEMO_NURSE.pin} (configure a real ward to turn it off; see README)` : '',
      '',
    ].join('\n') + '\n',
  );
  async function shutdown() {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: no new connections; committing what was received');
    await station.stop();
    unlock();
    process.exit(0);
  }
}

/** Commands that work on the database file as a whole, or ask the running station. */
async function maintenance(command: string): Promise<void> {
  const config = loadConfig(overrides);
  const out = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  if (command === 'backup') {
    const to = required('to');
    return out(await backupDatabase(databasePath(config.dataDir), resolve(to)));
  }
  if (command === 'restore') {
    const { restored, previous } = restoreDatabase(config.dataDir, resolve(required('from')));
    return out({ restored: restored.file, observations: restored.observations, lastObservationId: restored.lastObservationId, previous });
  }
  // health
  const host = config.health.host === '0.0.0.0' || config.health.host === '::' ? '127.0.0.1' : config.health.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.health.port}/health`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    fail(`no station answers at ${url} (${(error as Error).message})`);
  }
  const report = (await response.json()) as { status: string };
  out(report);
  if (report.status !== 'ok') process.exitCode = 1;
}

function admin(command: string, sub: string | undefined): void {
  const config = loadConfig(overrides);
  const db = openDatabase(databasePath(config.dataDir), { synchronous: config.storage.synchronous });
  const registry = new DeviceRegistry(db);
  const ward = new WardRepository(db);
  const nurses = new NurseDirectory(db);
  const out = (value: unknown): void => void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
  try {
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'devices export': {
        const to = resolve(required('to'));
        const { csv, rows } = deviceInventoryCsv(db);
        writeFileSync(to, csv);
        return out({ file: to, devices: rows });
      }
      case 'import': {
        const from = resolve(required('from'));
        let text: string;
        try {
          text = readFileSync(from, 'utf8');
        } catch (error) {
          fail(`cannot read ${from}: ${(error as Error).message}`);
        }
        return out(importWardCsv({ db, ward, registry, nurses }, text, values.keys ? resolve(values.keys) : null, ACTOR));
      }
      case 'devices list':
        return out(registry.list().map(({ patientId: _p, patientMrn: _m, ...d }) => d));
      case 'devices add': {
        const transport = (values.transport ?? 'websocket') as Transport;
        if (!['websocket', 'hl7', 'serial'].includes(transport)) fail('--transport must be websocket, hl7 or serial');
        const { key } = registry.register({ id: required('id'), model: required('model'), transport, bedId: values.bed ?? null, tlsOnly: values['tls-only'] ?? false }, ACTOR);
        return out(key ? { id: values.id, key, note: 'store this key in the device now; it is not shown again' } : { id: values.id });
      }
      case 'devices revoke':
        registry.revoke(required('id'), ACTOR);
        return out({ id: values.id, revoked: true });
      case 'devices rotate-key':
        return out({ id: values.id, key: registry.rotateKey(required('id'), ACTOR) });
      case 'devices assign': {
        const bed = required('bed');
        registry.assign(required('id'), bed === 'none' ? null : bed, ACTOR);
        return out({ id: values.id, bed: bed === 'none' ? null : bed });
      }
      case 'beds list':
        return out(ward.beds().map((b) => ({ id: b.id, label: b.label, occupied: b.patient !== null })));
      case 'beds add':
        ward.addBed(required('id'), values.label ?? required('id'), ACTOR);
        return out({ id: values.id });
      case 'patients admit':
        ward.admit({ bedId: required('bed'), mrn: required('mrn'), name: required('name'), birthDate: values.dob ?? null }, ACTOR);
        return out({ bed: values.bed, admitted: true });
      case 'patients discharge':
        ward.dischargeFromBed(required('bed'), ACTOR);
        return out({ bed: values.bed, discharged: true });
      case 'nurses list':
        return out(nurses.list());
      case 'nurses add':
        nurses.add(required('id'), required('name'), required('pin'), ACTOR);
        return out({ id: values.id });
      case 'nurses set-pin':
        nurses.setPin(required('id'), required('pin'), ACTOR);
        return out({ id: values.id });
      case 'nurses disable':
        nurses.disable(required('id'), ACTOR);
        return out({ id: values.id, disabled: true });
      case 'patients transfer':
        ward.transfer(required('bed'), required('to'), ACTOR);
        return out({ from: values.bed, to: values.to });
      case 'acm status': {
        const outbox = new AcmOutbox(db);
        return out({ ...outbox.summary(), messages: outbox.recent(50) });
      }
      default:
        fail(`unknown command "${command} ${sub ?? ''}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof RegistryError || error instanceof WardError || error instanceof NurseError || error instanceof ImportError) fail(`${error.code}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') fail(`${values.keys} exists: keys are never written over an existing file; give a new --keys FILE`);
    throw error;
  } finally {
    db.close();
  }
}

try {
  const [command = 'run', sub] = positionals;
  if (values.help) process.stdout.write(USAGE);
  else if (command === 'run') await run();
  else if (command === 'backup' || command === 'restore' || command === 'health') await maintenance(command);
  else admin(command, sub);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  if (error instanceof BackupError || error instanceof StationLockError) fail(`${error.code}: ${error.message}`);
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    fail(`${(error as Error).message}: another station (or program) uses this port; pick another with the flags above`);
  }
  throw error;
}
