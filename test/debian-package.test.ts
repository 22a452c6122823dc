import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { DeviceClient } from '../gateway/demo/device-client.js';
import type { HealthReport } from '../gateway/health/station-health.js';
import { freePort } from './helpers/gateway-process.js';

const ROOT = join(import.meta.dirname, '..');
const UNIT = '/lib/systemd/system/ward-station.service';
const DATA = '/var/lib/ward-station';
const CONFIG = '/etc/ward-station/station.json';

/** A README block for the Debian package, line by line: the test runs exactly these. */
function readmeCommands(marker: 'each line, in order' | 'upgrade: each line, in order' = 'each line, in order'): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- run-by: test/debian-package.test.ts (${marker}) -->`);
  expect(start).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  return block.split('\n').filter((line) => line.trim() !== '');
}

/** A command line as root, as IT types it (the tests run as root, like an administrator's shell). */
function shell(line: string): { status: number | null; stdout: string; stderr: string } {
  // SYSTEMD_LOG_TARGET: without it systemd-analyze may log its findings to the journal or the
  // console device, and an empty stderr would prove nothing. The timeout is a hang guard only:
  // a command that never returns fails naming itself instead of blocking the whole run.
  const result = spawnSync('sh', ['-c', line], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', SYSTEMD_LOG_TARGET: 'console' },
  });
  const hung = result.error ? `\n(${result.error.message})` : '';
  return { status: result.status, stdout: result.stdout, stderr: `${result.stderr}${hung}` };
}

/** The units this file started and that may still run: a failed test must not leave its station to the next. */
const startedUnits = new Set<ChildProcess>();
/** What the test is doing, for the report of a test that fails or hangs. */
let currentStep = '';
let currentJournal: string[] = [];

/** The unit's ExecStart, User, Environment and WorkingDirectory, from the installed unit file. */
function unitService(): { execStart: string[]; environment: string[]; user: string; workingDirectory: string } {
  const lines = readFileSync(UNIT, 'utf8').split('\n');
  const value = (key: string) => lines.find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1);
  return { execStart: value('ExecStart').split(' '), environment: value('Environment').split(' '), user: value('User'), workingDirectory: value('WorkingDirectory') };
}

/**
 * `systemctl start` where systemd is not PID 1: the unit's ExecStart as its user, with its
 * environment and working directory. setpriv executes the command itself (as systemd does), so
 * the SIGTERM of `systemctl stop` reaches the station.
 */
async function startUnit(journal: string[]): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const unit = unitService();
  const child = spawn('setpriv', ['--reuid', unit.user, '--regid', unit.user, '--init-groups', '--', 'env', ...unit.environment, ...unit.execStart], {
    cwd: unit.workingDirectory,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  startedUnits.add(child);
  currentJournal = journal;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  void exited.then(() => startedUnits.delete(child));
  // journald keeps both streams; a refusal to start (exit 2) is said on standard error.
  createInterface({ input: child.stderr! }).on('line', (line) => journal.push(`stderr: ${line}`));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      journal.push(line);
      if (line.includes('"msg":"station started"')) resolve();
    });
    void exited.then((code) => reject(new Error(`the unit's ExecStart exited (${code}): ${journal.join('\n')}`)));
  });
  return { child, exited };
}

describe('the Debian package of the headless station (README: Installing and operating)', () => {
  beforeEach(() => {
    currentStep = '';
    currentJournal = [];
    onTestFailed(() => {
      console.error(`debian-package: failed at "${currentStep}"; the station's output:\n${currentJournal.slice(-40).join('\n')}`);
    });
  });
  afterEach(async () => {
    for (const child of startedUnits) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    startedUnits.clear();
  });
  afterAll(() => {
    // Leave the machine as it was: package, configuration, account, and the data dpkg -r keeps.
    shell(`dpkg --purge ward-station; rm -rf ${DATA} /etc/ward-station`);
  });

  it('runs every line of the README block: build, install, verify, run as its user, operate, stop, remove with the data kept', { timeout: 600_000 }, async () => {
    shell(`dpkg --purge ward-station; rm -rf ${DATA}`);
    const journal: string[] = [];
    let unit: { child: ChildProcess; exited: Promise<number | null> } | null = null;
    let client: DeviceClient | null = null;
    let deviceKey = '';
    let devicePort = 0;
    let starts = 0;

    for (const line of readmeCommands()) {
      currentStep = line;
      if (line === 'systemctl start ward-station') {
        unit = await startUnit(journal);
        starts++;
        continue;
      }
      if (line === 'systemctl stop ward-station') {
        let closedWith: (code: number) => void = () => undefined;
        const closed = new Promise<number>((resolve) => (closedWith = resolve));
        if (starts === 1) {
          // A monitor is connected when the service stops: it is told 1012 (service restart).
          client = new DeviceClient({ url: `ws://127.0.0.1:${devicePort}/devices`, key: deviceKey, reconnect: false, onClose: (code) => closedWith(code) });
          await client.connect();
          await client.acked(client.send({ HR: 72, SPO2: 97 }));
        }
        unit!.child.kill('SIGTERM');
        expect(await unit!.exited).toBe(0);
        if (starts === 1) expect(await closed).toBe(1012);
        continue;
      }
      if (line === 'journalctl -u ward-station') {
        // What journald stores for the unit: the station's JSON lines on standard output.
        const records = journal.filter((l) => l.startsWith('{"level"')).map((l) => JSON.parse(l) as { app: string; msg: string });
        expect(records.map((r) => r.msg)).toContain('station started');
        expect(records.every((r) => r.app === 'ward-station')).toBe(true);
        continue;
      }

      const result = shell(line);
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);

      if (line.startsWith('npm run package:deb')) {
        const { deb, modules } = JSON.parse(result.stdout.trim().split('\n').pop()!) as { deb: string; modules: string[] };
        expect(deb).toBe(join(ROOT, 'out/deb/ward-station_0.1.0_amd64.deb'));
        // Production modules only: the native ones and what the bundle leaves outside; no tooling.
        expect(modules).toEqual(expect.arrayContaining(['better-sqlite3', 'serialport', 'ws', 'undici']));
        for (const tooling of ['tsx', 'electron', 'typescript', 'vitest', 'prebuild-install']) expect(modules).not.toContain(tooling);
        expect(shell(`dpkg-deb --info ${deb}`).stdout).toMatch(/Depends: nodejs \(>= \d+\.19\), nodejs \(<< \d+\), adduser/);
        // The desktop station's deb makes /usr/bin/ward-station too (test/station-packages.test.ts).
        expect(shell(`dpkg-deb --field ${deb} Conflicts`).stdout.trim()).toBe('ward-station-desktop');
      } else if (line.startsWith('dpkg -i')) {
        expect(shell('command -v ward-station').stdout.trim()).toBe('/usr/bin/ward-station');
        expect(shell('id -nG ward-station').stdout.trim().split(' ')).toEqual(expect.arrayContaining(['ward-station', 'dialout']));
        expect(statSync(DATA).mode & 0o777).toBe(0o750);
        expect(statSync(CONFIG).mode & 0o777).toBe(0o640);
        const unitText = readFileSync(UNIT, 'utf8');
        for (const setting of ['User=ward-station', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `ReadWritePaths=${DATA}`, 'ProtectHome=yes', 'PrivateTmp=yes', 'StandardOutput=journal', 'KillSignal=SIGTERM', 'CapabilityBoundingSet=']) {
          expect(unitText).toContain(`\n${setting}\n`);
        }
        // IT's configuration step: here, ports no other test or station on this machine uses.
        const config = JSON.parse(readFileSync(CONFIG, 'utf8'));
        expect(config).toMatchObject({ dataDir: DATA, demo: { enabled: false }, health: { host: '127.0.0.1', port: 7402 } });
        devicePort = await freePort();
        config.devices = { host: '127.0.0.1', port: devicePort };
        config.mllp = { enabled: true, host: '127.0.0.1', port: await freePort() };
        config.ui = { port: await freePort() };
        config.health = { host: '127.0.0.1', port: await freePort() };
        writeFileSync(CONFIG, JSON.stringify(config, null, 2));
      } else if (line.startsWith('systemd-analyze verify')) {
        expect(result.stderr).toBe('');
      } else if (line.endsWith('ward-station health')) {
        const report = JSON.parse(result.stdout) as HealthReport;
        expect(report.status).toBe('ok');
        expect(report.storage.budgetBytes).toBe(2048 * 1024 * 1024);
      } else if (line.includes('ward-station devices add')) {
        deviceKey = (JSON.parse(result.stdout) as { key: string }).key;
        expect(deviceKey).toMatch(/^wsk_/);
      } else if (line.includes('ward-station devices export')) {
        expect(readFileSync(`${DATA}/devices.csv`, 'utf8')).toMatch(/\r\nmon-4b01,Philips MX450,websocket,4B-01,Bed 1,/);
      } else if (line.includes('ward-station backup')) {
        expect(JSON.parse(result.stdout)).toMatchObject({ file: `${DATA}/backups/manual.db` });
      } else if (line.includes('ward-station restore')) {
        expect(JSON.parse(result.stdout)).toMatchObject({ restored: `${DATA}/station.db` });
      } else if (line.startsWith('dpkg -r')) {
        expect(existsSync('/usr/bin/ward-station')).toBe(false);
        expect(existsSync(UNIT)).toBe(false);
        expect(existsSync(`${DATA}/station.db`)).toBe(true);
        expect(existsSync(`${DATA}/backups/manual.db`)).toBe(true);
      }
    }
    expect(starts).toBe(2);
  });
  it('upgrades with the README lines: a backup, then dpkg -i of the next version restarts the service on it; configuration and data kept, and purge keeps the data', { timeout: 600_000 }, async () => {
    const deb = join(ROOT, 'out/deb/ward-station_0.1.0_amd64.deb');
    expect(existsSync(deb), 'the package built by the test above').toBe(true);
    // The installed release: the package again, over what `dpkg -r` kept (configuration, data, devices).
    expect(shell(`dpkg -i ${deb}`).status).toBe(0);
    const configuration = readFileSync(CONFIG, 'utf8');
    const journal: string[] = [];
    let unit = await startUnit(journal);
    const work = mkdtempSync(join(tmpdir(), 'ward-station-next-'));
    try {
      // The next release: this package with its version raised, nothing else changed.
      expect(shell(`dpkg-deb -R ${deb} ${work}/next`).status).toBe(0);
      const control = join(work, 'next/DEBIAN/control');
      writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, 'Version: 0.1.1'));
      const next = join(work, 'ward-station_0.1.1_amd64.deb');
      expect(shell(`dpkg-deb --root-owner-group -b ${work}/next ${next}`).status).toBe(0);
      // systemctl as the maintainer scripts call it: it records what it is asked and, for a stop
      // (try-restart, disable --now), does what systemd does before returning: SIGTERM to the
      // service's main process, then waits for it to end. The test starts the new files itself.
      mkdirSync(join(work, 'bin'));
      writeFileSync(
        join(work, 'bin/systemctl'),
        [
          '#!/bin/sh',
          `echo "$*" >> ${work}/systemctl.log`,
          'case "$*" in',
          `  *--now*|stop*|try-restart*|restart*) pid=$(cat ${work}/main.pid) && kill -TERM "$pid" && tail --pid="$pid" -f /dev/null ;;`,
          'esac',
          '',
        ].join('\n'),
      );
      chmodSync(join(work, 'bin/systemctl'), 0o755);
      /**
       * A dpkg command in a mount namespace where /run/systemd/system exists: the maintainer
       * scripts see a running systemd. What they asked systemctl, one call a line.
       */
      const asIfSystemdRuns = async (command: string): Promise<string[]> => {
        rmSync(join(work, 'systemctl.log'), { force: true });
        writeFileSync(join(work, 'main.pid'), String(unit.child.pid));
        // Not spawnSync: this process must go on reaping the station when the stub stops it.
        const child = spawn('unshare', ['--mount', 'sh', '-ec', `mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && ${command}`], {
          cwd: ROOT,
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PATH: `${join(work, 'bin')}:${process.env.PATH}` },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        expect(status, `${command}\n${stderr}`).toBe(0);
        return readFileSync(join(work, 'systemctl.log'), 'utf8').split('\n');
      };

      for (const line of readmeCommands('upgrade: each line, in order')) {
        currentStep = line;
        if (line === 'dpkg -i ward-station_NEW_amd64.deb') {
          expect(await asIfSystemdRuns(`dpkg -i ${next}`)).toContain('try-restart ward-station.service');
          // try-restart of a running unit: a graceful stop (done), then the new files.
          expect(await unit.exited).toBe(0);
          unit = await startUnit(journal);
          expect(shell("dpkg-query -W -f='${Version}' ward-station").stdout).toBe('0.1.1');
          continue;
        }
        const result = shell(line);
        expect(result.status, `${line}\n${result.stderr}`).toBe(0);
        expect(line).toContain('ward-station backup');
        expect(JSON.parse(result.stdout)).toMatchObject({ file: `${DATA}/backups/before-upgrade.db` });
      }

      const health = shell('runuser -u ward-station -- ward-station health');
      expect((JSON.parse(health.stdout) as HealthReport).status).toBe('ok');
      expect(shell(`runuser -u ward-station -- ward-station devices export --to ${DATA}/devices-after-upgrade.csv`).status).toBe(0);
      expect(readFileSync(`${DATA}/devices-after-upgrade.csv`, 'utf8')).toMatch(/\r\nmon-4b01,Philips MX450,websocket,4B-01,Bed 1,/);
      expect(readFileSync(CONFIG, 'utf8')).toBe(configuration);

      // Purge: the service is stopped (SIGTERM), the configuration and the account go, the data stays.
      currentStep = 'dpkg --purge ward-station (systemd running)';
      expect(await asIfSystemdRuns('dpkg --purge ward-station')).toContain('disable --now ward-station.service');
      expect(await unit.exited).toBe(0);
      expect(existsSync('/etc/ward-station')).toBe(false);
      expect(shell('getent passwd ward-station').status).not.toBe(0);
      expect(existsSync(`${DATA}/station.db`)).toBe(true);
      expect(existsSync(`${DATA}/backups/before-upgrade.db`)).toBe(true);
    } finally {
      if (unit.child.exitCode === null && unit.child.signalCode === null) unit.child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    }
  });
});
