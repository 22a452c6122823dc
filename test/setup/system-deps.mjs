#!/usr/bin/env node
/**
 * Installs the Debian packages the tests need when they are missing (as root, with apt), and
 * TimescaleDB into Debian's PostgreSQL 15, or stops with the exact command to run. Runs before
 * `npm test` and `npm run bench`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch } from 'node:os';
import { join, resolve } from 'node:path';

/** Debian package → a file that proves it is installed. */
const NEEDED = {
  chromium: '/usr/bin/chromium', // browser end-to-end tests (Playwright drives Debian's Chromium)
  'poppler-utils': '/usr/bin/pdftoppm', // report tests render PDFs to PNG (pdftoppm) and read their text (pdftotext)
  socat: '/usr/bin/socat', // serial tests over real pseudo-terminal pairs
  udev: '/usr/bin/udevadm', // SerialPort.list() asks udevadm about ports
  systemd: '/usr/bin/systemd-analyze', // the Debian package's unit is verified (systemd need not run)
  adduser: '/usr/sbin/adduser', // the Debian package creates its service account
};

const missing = Object.entries(NEEDED)
  .filter(([, file]) => !existsSync(file))
  .map(([pkg]) => pkg);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (missing.length > 0) installPackages();
installTimescaledb();

function installPackages() {
  const command = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

  if (!isRoot || !hasApt) {
    process.stderr.write(
      `The tests need these system packages: ${missing.join(', ')}.\nInstall them, then run the tests again:\n\n  sudo sh -c '${command}'\n\n`,
    );
    process.exit(1);
  }

  process.stdout.write(`Installing system packages for the tests: ${missing.join(', ')}\n`);
  try {
    execFileSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    process.stderr.write(`Installing failed. Run this yourself and try again:\n\n  ${command}\n\n`);
    process.exit(1);
  }
  const still = Object.entries(NEEDED).filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
  if (still.length > 0) {
    process.stderr.write(`Still missing after install: ${still.join(', ')}\n`);
    process.exit(1);
  }
}

/**
 * The timescaledb-mode suite runs on a throwaway PostgreSQL 15 cluster with TimescaleDB
 * (test/helpers/timescaledb-server.ts). Here it is installed by the install script kept in a
 * folder beside the repository's (TIMESCALEDB_INSTALL_SCRIPT names another): TimescaleDB 2.28.3
 * built for Debian's PostgreSQL 15, which it needs at 15.20 or later (the build links against
 * symbols first shipped in 15.20). Elsewhere, Timescale's own packages do (see the README). With
 * WARD_TESTS_WITHOUT_TIMESCALEDB=1 the tests run without that suite and say so.
 */
function installTimescaledb() {
  if (process.env.WARD_TESTS_WITHOUT_TIMESCALEDB === '1') {
    process.stderr.write('\n*** WARD_TESTS_WITHOUT_TIMESCALEDB=1: the timescaledb-mode suite will NOT run. ***\n\n');
    return;
  }
  const bin = process.env.TIMESCALEDB_PG_BIN || '/usr/lib/postgresql/15/bin';
  const installed = () => existsSync(join(bin, 'postgres')) && existsSync(join(bin, '..', 'lib', 'timescaledb.so'));
  const script = process.env.TIMESCALEDB_INSTALL_SCRIPT || resolve(import.meta.dirname, '..', '..', '..', 'shared', 'timescaledb', 'install.sh');
  const ownBuild = existsSync(join(bin, '..', 'lib', 'timescaledb-2.28.3.so'));
  if (installed() && (!ownBuild || pgMinorAtLeast(bin, 20))) return;

  const stop = (why, command) => {
    process.stderr.write(
      `The timescaledb-mode tests need TimescaleDB in PostgreSQL 15 (${bin}): ${why}\n` +
        (command ? `Run this, then the tests again:\n\n  ${command}\n\n` : '\n') +
        'Or install Timescale\'s packages (README, "TimescaleDB for the tests"), or run without that suite: WARD_TESTS_WITHOUT_TIMESCALEDB=1 npm test\n',
    );
    process.exit(1);
  };
  if (arch() !== 'x64' && !installed()) stop(`the TimescaleDB build kept for these tests is for x86_64 only (this is ${arch()}).`);
  const upgrade = 'apt-get update -qq && apt-get install -y -qq postgresql-15';
  if (!existsSync(script) && !installed()) stop(`its install script is not at ${script} (set TIMESCALEDB_INSTALL_SCRIPT).`);
  if (!isRoot) stop('it is missing or PostgreSQL 15 is older than 15.20.', installed() ? `sudo sh -c '${upgrade}'` : `sudo ${script}`);

  if (existsSync(join(bin, 'postgres')) && !pgMinorAtLeast(bin, 20)) {
    process.stdout.write('Upgrading PostgreSQL 15 to the current Debian release for TimescaleDB\n');
    execFileSync('sh', ['-c', upgrade], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!installed()) {
    const result = spawnSync(script, [], { stdio: 'inherit' });
    if (result.status !== 0) stop(`${script} failed (exit ${result.status}).`);
  }
  if (!installed() || !pgMinorAtLeast(bin, 20)) stop('still missing after the install step.');
}

/** Whether `postgres --version` in `bin` reports 15.<minor> or later. */
function pgMinorAtLeast(bin, minor) {
  const match = /\(PostgreSQL\) (\d+)\.(\d+)/.exec(execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }));
  return match !== null && (Number(match[1]) > 15 || Number(match[2]) >= minor);
}
