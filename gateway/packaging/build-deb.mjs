#!/usr/bin/env node
/**
 * `npm run package:deb`: the Debian package of the headless station, built from this checkout.
 *
 *   /usr/lib/ward-station/   the built gateway (out/main), the built UI (out/renderer), the
 *                            `ward-station` launcher and the production modules it imports
 *   /usr/bin/ward-station    the command (a link to the launcher)
 *   /lib/systemd/system/ward-station.service, /etc/ward-station/station.json (a conffile)
 *
 * The modules are the closure of what the built JavaScript imports, copied from node_modules
 * (so native ones are the binaries built for this Node: the package depends on the same Node
 * major). Output: out/deb/ward-station_VERSION_ARCH.deb. Needs dpkg-deb (Debian/Ubuntu).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';
import { copyRuntimeModules } from './runtime-modules.mjs';
import { debControl } from './deb-control.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'gateway', 'packaging', 'debian');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const nodeMajor = Number(process.versions.node.split('.')[0]);
const name = `ward-station_${pkg.version}_${arch}`;
const stage = join(root, 'out', 'deb', name);
const lib = join(stage, 'usr', 'lib', 'ward-station');


buildIfStale(root);
rmSync(stage, { recursive: true, force: true });
mkdirSync(lib, { recursive: true });
cpSync(join(root, 'out', 'main'), join(lib, 'out', 'main'), { recursive: true, filter: (src) => !src.endsWith(`${join('out', 'main', 'index.js')}`) });
cpSync(join(root, 'out', 'renderer'), join(lib, 'out', 'renderer'), { recursive: true });
mkdirSync(join(lib, 'gateway', 'packaging'), { recursive: true });
for (const file of ['ward-station.mjs', 'build-if-stale.mjs']) copyFileSync(join(root, 'gateway', 'packaging', file), join(lib, 'gateway', 'packaging', file));
chmodSync(join(lib, 'gateway', 'packaging', 'ward-station.mjs'), 0o755);
writeFileSync(join(lib, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`);
const modules = copyRuntimeModules(root, lib, { trimNativeSources: true });
mkdirSync(join(stage, 'usr', 'bin'), { recursive: true });
symlinkSync('../lib/ward-station/gateway/packaging/ward-station.mjs', join(stage, 'usr', 'bin', 'ward-station'));
mkdirSync(join(stage, 'lib', 'systemd', 'system'), { recursive: true });
copyFileSync(join(here, 'ward-station.service'), join(stage, 'lib', 'systemd', 'system', 'ward-station.service'));
mkdirSync(join(stage, 'etc', 'ward-station'), { recursive: true });
copyFileSync(join(here, 'station.json'), join(stage, 'etc', 'ward-station', 'station.json'));
mkdirSync(join(stage, 'usr', 'share', 'doc', 'ward-station'), { recursive: true });
copyFileSync(join(root, 'README.md'), join(stage, 'usr', 'share', 'doc', 'ward-station', 'README.md'));

mkdirSync(join(stage, 'DEBIAN'));
const installedKb = Math.ceil(Number(execFileSync('du', ['-sk', stage], { encoding: 'utf8' }).split('\t')[0]));
writeFileSync(join(stage, 'DEBIAN', 'control'), debControl({ version: pkg.version, arch, nodeMajor, installedKb }));
writeFileSync(join(stage, 'DEBIAN', 'conffiles'), '/etc/ward-station/station.json\n');
for (const script of ['postinst', 'prerm', 'postrm']) {
  copyFileSync(join(here, script), join(stage, 'DEBIAN', script));
  chmodSync(join(stage, 'DEBIAN', script), 0o755);
}
const deb = join(root, 'out', 'deb', `${name}.deb`);
execFileSync('dpkg-deb', ['--root-owner-group', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(`${JSON.stringify({ deb, modules })}\n`);
