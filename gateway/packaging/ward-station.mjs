#!/usr/bin/env node
/**
 * The `ward-station` command (and `npm run gateway`): the built gateway run by plain Node, so an
 * IT command answers in a fraction of a second (compiling the TypeScript sources on every call
 * took 3.5 s). In a checkout it rebuilds first when a source changed; an installed package
 * (Debian, or inside the desktop app) has only the build and serves the UI built beside it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
buildIfStale(root);
// Installed from the Debian package: the service's configuration is everyone's default, so IT
// types `sudo -u ward-station ward-station devices list` and reaches the service's database.
const installedConfig = '/etc/ward-station/station.json';
const installed = !existsSync(join(root, 'gateway', 'cli.ts'));
if (installed && !process.env.WARD_CONFIG && existsSync(installedConfig)) process.env.WARD_CONFIG = installedConfig;
if (installed) {
  // An installed station starts without the demo ward, and its set-up screen names this command.
  process.env.WARD_INSTALLED ??= '1';
  process.env.WARD_COMMAND ??= process.env.WARD_CONFIG === installedConfig ? 'runuser -u ward-station -- ward-station' : 'ward-station';
}
process.env.WARD_RENDERER_DIR ??= join(root, 'out', 'renderer');
await import(pathToFileURL(join(root, 'out', 'main', 'gateway.js')).href);
