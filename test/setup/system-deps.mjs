#!/usr/bin/env node
/**
 * Installs the Debian packages the tests need when they are missing (as root, with apt), or
 * stops with the exact command to run. Runs before `npm test` and `npm run bench`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian package → a file that proves it is installed. */
const NEEDED = {
  chromium: '/usr/bin/chromium', // browser end-to-end tests (Playwright drives Debian's Chromium)
  socat: '/usr/bin/socat', // serial tests over real pseudo-terminal pairs
  udev: '/usr/bin/udevadm', // SerialPort.list() asks udevadm about ports
  systemd: '/usr/bin/systemd-analyze', // the Debian package's unit is verified (systemd need not run)
  adduser: '/usr/sbin/adduser', // the Debian package creates its service account
};

const missing = Object.entries(NEEDED)
  .filter(([, file]) => !existsSync(file))
  .map(([pkg]) => pkg);

if (missing.length === 0) process.exit(0);

const command = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
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
