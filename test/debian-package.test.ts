import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceClient } from '../gateway/demo/device-client.js';
import type { HealthReport } from '../gateway/health/station-health.js';
import { freePort } from './helpers/gateway-process.js';

const ROOT = join(import.meta.dirname, '..');
const UNIT = '/lib/systemd/system/ward-station.service';
const DATA = '/var/lib/ward-station';

/** A command as root, as IT types it (the test runs as root, like `sudo`). */
function sh(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: '/', encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runuser -u ward-station -- ward-station ...`: an IT command as the service account. */
function asService<T>(...args: string[]): T {
  const result = sh('runuser', ['-u', 'ward-station', '--', 'ward-station', ...args]);
  if (result.status !== 0) throw new Error(`ward-station ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** The unit's ExecStart and Environment, read from the installed unit file. */
function unitService(): { execStart: string[]; environment: Record<string, string>; user: string; workingDirectory: string } {
  const lines = readFileSync(UNIT, 'utf8').split('\n');
  const value = (key: string) => lines.find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1);
  return {
    execStart: value('ExecStart').split(' '),
    environment: Object.fromEntries(value('Environment').split(' ').map((pair) => pair.split('=') as [string, string])),
    user: value('User'),
    workingDirectory: value('WorkingDirectory'),
  };
}

describe('the Debian package of the headless station', () => {
  afterAll(() => {
    // Leave the machine as it was: package, data (kept by dpkg -r on purpose) and account.
    sh('dpkg', ['--purge', 'ward-station']);
    sh('rm', ['-rf', DATA, '/etc/ward-station']);
  });

  it('builds, installs, verifies, runs as its user, answers health, stops gracefully and is removed with the data kept', { timeout: 600_000 }, async () => {
    const built = execFileSync('npm', ['run', '--silent', 'package:deb'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const { deb, modules } = JSON.parse(built.trim().split('\n').pop()!) as { deb: string; modules: string[] };
    expect(deb).toMatch(/out\/deb\/ward-station_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/);
    // Production modules only: the native ones and what the bundle leaves outside; no tooling.
    expect(modules).toEqual(expect.arrayContaining(['better-sqlite3', 'serialport', 'ws', 'undici']));
    expect(modules).not.toContain('tsx');
    expect(modules).not.toContain('electron');
    const info = sh('dpkg-deb', ['--info', deb]).stdout;
    expect(info).toMatch(/Depends: nodejs \(>= \d+\.19\), nodejs \(<< \d+\), adduser/);
    expect(sh('dpkg-deb', ['--contents', deb]).stdout).toMatch(/\.\/usr\/bin\/ward-station -> \.\.\/lib\/ward-station\/gateway\/packaging\/ward-station\.mjs/);

    sh('dpkg', ['--purge', 'ward-station']);
    const install = sh('dpkg', ['-i', deb]);
    expect(install.status, install.stderr).toBe(0);
    expect(sh('sh', ['-c', 'command -v ward-station']).stdout.trim()).toBe('/usr/bin/ward-station');
    expect(sh('id', ['-nG', 'ward-station']).stdout.split(' ').map((g) => g.trim())).toEqual(expect.arrayContaining(['ward-station', 'dialout']));
    expect(statSync(DATA).mode & 0o777).toBe(0o750);
    expect(statSync('/etc/ward-station/station.json').mode & 0o777).toBe(0o640);

    const verify = sh('systemd-analyze', ['verify', UNIT]);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe('');
    const unit = readFileSync(UNIT, 'utf8');
    for (const setting of ['User=ward-station', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `ReadWritePaths=${DATA}`, 'ProtectHome=yes', 'PrivateTmp=yes', 'StandardOutput=journal', 'KillSignal=SIGTERM', 'CapabilityBoundingSet=']) {
      expect(unit).toContain(`\n${setting}\n`);
    }

    // IT's set-up commands, as the service account, against the service's database.
    asService('beds', 'add', '--id', '4B-01', '--label', 'Bed 1');
    const { key } = asService<{ key: string }>('devices', 'add', '--id', 'mon-4b01', '--model', 'Monitor', '--bed', '4B-01');

    // systemd is not PID 1 here: run the unit's ExecStart as its user, with its environment, in
    // its working directory (its sandboxing is systemd's and is not applied here). Ports other than the defaults keep this test clear of other stations.
    const service = unitService();
    const healthPort = await freePort();
    // setpriv executes the command itself as the user (as systemd does), so SIGTERM reaches the station.
    const child = spawn('setpriv', ['--reuid', service.user, '--regid', service.user, '--init-groups', '--', 'env', ...Object.entries(service.environment).map(([k, v]) => `${k}=${v}`), ...service.execStart, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--mllp-port', '0', '--health-port', String(healthPort), '--ready-json'], {
      cwd: service.workingDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const logLines: string[] = [];
    const ready = await new Promise<{ devicePort: number; dataDir: string; demo: boolean }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        logLines.push(line);
        if (line.startsWith('{"ready"')) resolve(JSON.parse(line).ready);
      });
      void exited.then((code) => reject(new Error(`station exited (${code})`)));
    });
    expect(ready).toMatchObject({ dataDir: DATA, demo: false });
    let closedWith: (code: number) => void = () => undefined;
    const closed = new Promise<number>((resolve) => (closedWith = resolve));
    const client = new DeviceClient({ url: `ws://127.0.0.1:${ready.devicePort}/devices`, key, reconnect: false, onClose: (code) => closedWith(code) });
    await client.connect();
    await client.acked(client.send({ HR: 72, SPO2: 97 }));

    const health = sh('runuser', ['-u', 'ward-station', '--', 'ward-station', 'health', '--health-port', String(healthPort)]);
    const report = JSON.parse(health.stdout) as HealthReport;
    expect(report.devices).toMatchObject({ registered: 1, connected: 1 });
    expect(report.storage.budgetBytes).toBe(2048 * 1024 * 1024);
    expect(['ok', 'warning']).toContain(report.status);
    const backup = asService<{ file: string; observations: number }>('backup', '--to', `${DATA}/backups/manual.db`);
    expect(backup.observations).toBe(1);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await closed).toBe(1012);
    // Logs are JSON lines on stdout: what journald stores for the unit.
    expect(logLines.some((l) => l.includes('"msg":"station stopped"'))).toBe(true);

    const remove = sh('dpkg', ['-r', 'ward-station']);
    expect(remove.status, remove.stderr).toBe(0);
    expect(existsSync('/usr/bin/ward-station')).toBe(false);
    expect(existsSync(UNIT)).toBe(false);
    expect(existsSync(`${DATA}/station.db`)).toBe(true);
    expect(existsSync(`${DATA}/backups/manual.db`)).toBe(true);
  });
});
