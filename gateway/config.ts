import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { acmConfig, AcmConfigSchema, type AcmConfig } from './acm/acm-config.js';

const SerialPortSchema = Type.Object(
  {
    path: Type.String({ minLength: 1 }),
    baudRate: Type.Integer({ minimum: 300, maximum: 921600, default: 9600 }),
    profile: Type.Union([Type.Literal('masimo-ascii'), Type.Literal('nonin-ascii'), Type.Literal('hl7-mllp')]),
    deviceId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

// ---- Transport security (TLS for device listeners, checks on the cloud URL) ----

/** Certificate, key and listeners of the station's TLS side; see "Ward network security" in the README. */
const TlsSchema = Type.Object(
  {
    /** PEM certificate chain of the station (reloaded when the file changes). */
    certFile: Type.String({ minLength: 1 }),
    keyFile: Type.String({ minLength: 1 }),
    /** PEM CA bundle that signs device certificates: turns on mutual TLS. */
    clientCaFile: Type.Optional(Type.String({ minLength: 1 })),
    /** With a client CA: refuse devices without a certificate (default true). */
    requireClientCertificate: Type.Optional(Type.Boolean()),
    websocket: Type.Optional(
      Type.Object({ enabled: Type.Optional(Type.Boolean()), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false }),
    ),
    mllp: Type.Optional(
      Type.Object({ enabled: Type.Optional(Type.Boolean()), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false }),
    ),
    /** Keep the clear-text ws:// listener (devices.port) for legacy devices (default true). */
    plainWebsocket: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const CloudTransportFields = {
  /** PEM CA bundle trusted for the cloud's certificate (a hospital's private PKI). */
  caFile: Type.Optional(Type.String({ minLength: 1 })),
  /** Allow http:// to a host other than loopback (never on a real ward). */
  allowInsecureHttp: Type.Optional(Type.Boolean()),
};

export type TlsConfigFile = Static<typeof TlsSchema>;

export interface StationTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | null;
  readonly requireClientCertificate: boolean;
  /** Port of wss:// for devices; null = off. */
  readonly websocketPort: number | null;
  /** Port of MLLP over TLS; null = off. */
  readonly mllpPort: number | null;
  readonly plainWebsocket: boolean;
}

export const DEFAULT_TLS_PORTS = { websocket: 7443, mllp: 2576 } as const;

/** Paths are taken relative to the configuration file, so a ward's folder can be moved whole. */
function tlsConfig(file: TlsConfigFile | undefined, configFile: string | null, cli: CliOverrides): StationTlsConfig | null {
  if (!file) return null;
  const base = configFile ? dirname(configFile) : process.cwd();
  return {
    certFile: resolve(base, file.certFile),
    keyFile: resolve(base, file.keyFile),
    clientCaFile: file.clientCaFile ? resolve(base, file.clientCaFile) : null,
    requireClientCertificate: file.requireClientCertificate ?? true,
    websocketPort: file.websocket?.enabled === false ? null : (cli.deviceTlsPort ?? file.websocket?.port ?? DEFAULT_TLS_PORTS.websocket),
    mllpPort: file.mllp?.enabled === false ? null : (cli.mllpTlsPort ?? file.mllp?.port ?? DEFAULT_TLS_PORTS.mllp),
    plainWebsocket: file.plainWebsocket ?? true,
  };
}

/**
 * http:// sends the station's secret and every patient's vitals in clear text: only to this
 * machine (a local test cloud, a TLS-terminating proxy on loopback) unless explicitly allowed.
 */
export function checkCloudUrl(url: string, allowInsecureHttp: boolean): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:' || allowInsecureHttp) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (!loopback) {
    throw new ConfigError(`cloud.url ${parsed.origin} is http:// to another machine: use https://, or set cloud.allowInsecureHttp (clear text on the network)`);
  }
}

// ---- End of transport security ----

/** The station's configuration file (JSON). Every field is optional; defaults below. */
export const ConfigFileSchema = Type.Object(
  {
    stationName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    devices: Type.Optional(
      Type.Object({ host: Type.Optional(Type.String()), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false }),
    ),
    mllp: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          host: Type.Optional(Type.String()),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        },
        { additionalProperties: false },
      ),
    ),
    ui: Type.Optional(
      Type.Object(
        {
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          /** How long a nurse stays signed in at a screen (across reconnects): a shift. */
          signInHours: Type.Optional(Type.Number({ minimum: 0.25, maximum: 24 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** IT's monitoring endpoint (GET /health, GET /metrics); loopback unless an address is given. */
    health: Type.Optional(
      Type.Object(
        { host: Type.Optional(Type.String({ minLength: 1 })), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) },
        { additionalProperties: false },
      ),
    ),
    /** Scheduled online backups: every `everyHours` into `dir`, keeping the newest `keep`. */
    backup: Type.Optional(
      Type.Object(
        {
          dir: Type.String({ minLength: 1 }),
          everyHours: Type.Optional(Type.Number({ minimum: 0.01, maximum: 24 * 7 })),
          keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    serialPorts: Type.Optional(Type.Array(SerialPortSchema)),
    demo: Type.Optional(
      Type.Object({ enabled: Type.Optional(Type.Boolean()), beds: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
    ),
    cloud: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://' }),
          /** Further regions' cloud URLs, tried in order when the current one stops answering. */
          failoverUrls: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }), { maxItems: 8 })),
          stationId: Type.String({ minLength: 1, maxLength: 64 }),
          /** Keep this file readable by the station's user only. */
          secret: Type.String({ minLength: 16 }),
          batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000 })),
          /** Send the stored waves around each alarm's onset (off unless set: waves stay on the station). */
          alarmWaves: Type.Optional(
            Type.Object(
              { beforeSeconds: Type.Integer({ minimum: 0, maximum: 300 }), afterSeconds: Type.Integer({ minimum: 0, maximum: 300 }) },
              { additionalProperties: false },
            ),
          ),
          ...CloudTransportFields,
        },
        { additionalProperties: false },
      ),
    ),
    alarms: Type.Optional(
      Type.Object(
        {
          /** Offline timeouts in seconds, by device id (wins) and by device model. */
          offlineAfterSeconds: Type.Optional(
            Type.Object(
              {
                devices: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 5, maximum: 86_400 }))),
                models: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 5, maximum: 86_400 }))),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    tls: Type.Optional(TlsSchema),
    /** Alarm forwarding to an Alarm Communication Manager (IHE PCD ACM); off unless given. */
    acm: Type.Optional(AcmConfigSchema),
    storage: Type.Optional(
      Type.Object(
        {
          synchronous: Type.Optional(Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL')])),
          hotWindowHours: Type.Optional(Type.Number({ minimum: 1 })),
          diskBudgetMb: Type.Optional(Type.Number({ minimum: 16 })),
          waveRetentionHours: Type.Optional(Type.Number({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFileSchema>;
export type SerialPortConfig = Static<typeof SerialPortSchema>;

export interface StationConfig {
  readonly stationName: string;
  readonly dataDir: string;
  /** `heartbeatMs` (default 10 s) is not in the file: tests shorten it. */
  readonly devices: { readonly host: string; readonly port: number; readonly heartbeatMs?: number };
  readonly mllp: { readonly enabled: boolean; readonly host: string; readonly port: number };
  /** Always loopback: the UI channel is for this machine only. */
  readonly ui: { readonly host: '127.0.0.1'; readonly port: number; readonly signInHours: number };
  readonly health: { readonly host: string; readonly port: number };
  /** Scheduled backups, or null when none are configured. */
  readonly backup: { readonly dir: string; readonly everyHours: number; readonly keep: number } | null;
  readonly serialPorts: readonly SerialPortConfig[];
  readonly demo: { readonly enabled: boolean; readonly beds: number };
  readonly storage: { readonly synchronous: 'FULL' | 'NORMAL'; readonly hotWindowHours: number; readonly diskBudgetMb: number; readonly waveRetentionHours: number };
  /** Configured offline timeouts (ms) by device id and by model; unlisted devices get one from their pace. */
  readonly alarms: { readonly offlineAfterMs: { readonly devices: Readonly<Record<string, number>>; readonly models: Readonly<Record<string, number>> } };
  /** Where to sync to; null = no cloud (the station works fully without one). */
  readonly cloud: Readonly<NonNullable<ConfigFile['cloud']>> | null;
  /** TLS listeners for devices; null = clear text only. */
  readonly tls: StationTlsConfig | null;
  /** Where alarms are forwarded (ORU^R40 over MLLP); null = not forwarded. */
  readonly acm: AcmConfig | null;
  /** Where the built renderer is served from. */
  readonly rendererDir: string;
  /** The configuration file read, if any. */
  readonly configFile: string | null;
}

export const DEFAULT_PORTS = { devices: 7400, ui: 7401, mllp: 2575, health: 7402 } as const;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** The per-user data folder of this OS (what Electron calls userData). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.WARD_DATA_DIR) return env.WARD_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'ward-station');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ward-station');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'ward-station');
}

export interface CliOverrides {
  config?: string;
  dataDir?: string;
  devicePort?: number;
  deviceHost?: string;
  mllpPort?: number;
  mllp?: boolean;
  uiPort?: number;
  healthPort?: number;
  demo?: boolean;
  demoBeds?: number;
  rendererDir?: string;
  stationName?: string;
  deviceTlsPort?: number;
  mllpTlsPort?: number;
}

export function readConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read configuration ${path}: ${(error as Error).message}`);
  }
  if (!Value.Check(ConfigFileSchema, raw)) {
    const problems = [...Value.Errors(ConfigFileSchema, raw)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
    throw new ConfigError(`invalid configuration ${path}: ${problems.join('; ')}`);
  }
  return raw;
}

/**
 * Defaults < configuration file < command-line flags. With no configuration file anywhere a
 * developer's station (`npm start`) runs the demo ward, so a first start shows something alive;
 * an installed one (its entry point sets WARD_INSTALLED=1) starts empty and shows how to set up
 * the ward instead, so simulated patients never appear on a real ward by default.
 */
export function loadConfig(cli: CliOverrides = {}, env: NodeJS.ProcessEnv = process.env, defaultRendererDir = 'out/renderer'): StationConfig {
  const baseDataDir = resolve(cli.dataDir ?? defaultDataDir(env));
  const candidate = cli.config ?? env.WARD_CONFIG ?? join(baseDataDir, 'station.json');
  if (cli.config && !existsSync(cli.config)) throw new ConfigError(`configuration file ${cli.config} does not exist`);
  const configFile = existsSync(candidate) ? resolve(candidate) : null;
  const file: ConfigFile = configFile ? readConfigFile(configFile) : {};
  if (file.cloud) for (const url of [file.cloud.url, ...(file.cloud.failoverUrls ?? [])]) checkCloudUrl(url, file.cloud.allowInsecureHttp ?? false);
  const tls = tlsConfig(file.tls, configFile, cli);
  const installed = env.WARD_INSTALLED === '1';
  const demoEnabled = cli.demo ?? file.demo?.enabled ?? (configFile === null && !installed);
  if (demoEnabled && tls && !tls.plainWebsocket) throw new ConfigError('the demo ward connects over plain ws://: keep tls.plainWebsocket on or turn the demo off');
  return {
    stationName: cli.stationName ?? file.stationName ?? 'Ward station',
    dataDir: resolve(cli.dataDir ?? file.dataDir ?? baseDataDir),
    devices: { host: cli.deviceHost ?? file.devices?.host ?? '0.0.0.0', port: cli.devicePort ?? file.devices?.port ?? DEFAULT_PORTS.devices },
    mllp: {
      enabled: cli.mllp ?? file.mllp?.enabled ?? true,
      host: cli.deviceHost ?? file.mllp?.host ?? '0.0.0.0',
      port: cli.mllpPort ?? file.mllp?.port ?? DEFAULT_PORTS.mllp,
    },
    ui: { host: '127.0.0.1', port: cli.uiPort ?? file.ui?.port ?? DEFAULT_PORTS.ui, signInHours: file.ui?.signInHours ?? 12 },
    health: { host: file.health?.host ?? '127.0.0.1', port: cli.healthPort ?? file.health?.port ?? DEFAULT_PORTS.health },
    backup: file.backup ? { dir: resolve(file.backup.dir), everyHours: file.backup.everyHours ?? 24, keep: file.backup.keep ?? 14 } : null,
    serialPorts: file.serialPorts ?? [],
    demo: { enabled: demoEnabled, beds: cli.demoBeds ?? file.demo?.beds ?? 16 },
    storage: {
      synchronous: file.storage?.synchronous ?? 'FULL',
      hotWindowHours: file.storage?.hotWindowHours ?? 72,
      diskBudgetMb: file.storage?.diskBudgetMb ?? 2048,
      waveRetentionHours: file.storage?.waveRetentionHours ?? 72,
    },
    alarms: { offlineAfterMs: { devices: secondsToMs(file.alarms?.offlineAfterSeconds?.devices), models: secondsToMs(file.alarms?.offlineAfterSeconds?.models) } },
    cloud: file.cloud ? { ...file.cloud, ...(file.cloud.caFile && configFile ? { caFile: resolve(dirname(configFile), file.cloud.caFile) } : {}) } : null,
    tls,
    acm: acmConfig(file.acm),
    rendererDir: resolve(cli.rendererDir ?? env.WARD_RENDERER_DIR ?? defaultRendererDir),
    configFile,
  };
}

function secondsToMs(table: Readonly<Record<string, number>> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(table ?? {}).map(([k, v]) => [k, v * 1000]));
}
