import { join, resolve } from 'node:path';
import { defaultDataDir, type StationConfig } from '../config.js';
import type { StationSetup } from '../protocol/ui-channel.js';

/** Quotes a path for a shell line when it needs it (spaces in "Application Support", "Ward Station"). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * What a station with no beds tells IT on its screen. The entry point names the command that
 * reaches this station (WARD_COMMAND: `ward-station` from the Debian package, the desktop app's
 * executable when installed); from a checkout it is `npm run gateway --`.
 */
export function stationSetup(config: StationConfig, env: NodeJS.ProcessEnv = process.env): StationSetup {
  const configFile = config.configFile ?? (env.WARD_CONFIG ? resolve(env.WARD_CONFIG) : join(config.dataDir, 'station.json'));
  const options = [
    // A command finds the database by the same rules as the station, so only a folder the
    // station was told about (the desktop app's, a --data-dir) needs saying.
    ...(config.dataDir !== resolve(defaultDataDir(env)) ? ['--data-dir', shellWord(config.dataDir)] : []),
  ];
  return {
    configFile,
    configFileExists: config.configFile !== null,
    dataDir: config.dataDir,
    command: env.WARD_COMMAND || 'npm run gateway --',
    commandOptions: options.join(' '),
    demo: config.demo.enabled,
    cloud: config.cloud ? { url: config.cloud.url, stationId: config.cloud.stationId } : null,
  };
}
