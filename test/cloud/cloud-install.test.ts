import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { freePort } from '../helpers/gateway-process.js';
import { readEnvironmentFile, readUnit, startUntilLine, stopWithSigterm, type StartedProcess } from '../helpers/systemd-unit.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ACCOUNT = 'ward-cloud';
const HOME = '/var/lib/ward-cloud';
const CHECKOUT = '/opt/ward-cloud';
const SETTINGS = '/etc/ward-cloud';
const UNIT_DIR = '/etc/systemd/system';
const UNITS = ['ward-cloud', 'ward-cloud-report-worker'];
/** Left by this test while what it installed exists: leftovers of a run cut short are its own to remove. */
const MARKER = '/var/tmp/ward-cloud-install-test.owned';
/** systemd's PATH for services. */
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const temp = mkdtempSync(join(tmpdir(), 'ward-cloud-install-'));

/** A block of the README ("The cloud for IT"), line by line: the test runs exactly these. */
function readmeCommands(marker: 'each line, in order' | 'upgrade: each line, in order'): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- run-by: test/cloud/cloud-install.test.ts (${marker}) -->`);
  expect(start).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  return block.split('\n').filter((line) => line.trim() !== '');
}

/**
 * An administrator's root shell: this process's environment without what the test runner and
 * npm set (NODE_ENV=production, say, would make `npm ci` leave out tsx).
 */
const ROOT_SHELL_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm_|NODE_ENV$|NODE_OPTIONS$|VITEST|CLOUD_|DATABASE_URL$)/.test(name)),
) as Record<string, string>;

/** One line as IT types it in one root shell: the working directory carries over from line to line (`cd`). */
function shellLine(line: string, cwd: string): { status: number | null; stdout: string; stderr: string; cwd: string } {
  const cwdFile = join(temp, 'cwd');
  rmSync(cwdFile, { force: true });
  const result = spawnSync('sh', ['-ec', `${line}\npwd > ${cwdFile}`], { cwd, encoding: 'utf8', env: { ...ROOT_SHELL_ENV, SYSTEMD_LOG_TARGET: 'console' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, cwd: existsSync(cwdFile) ? readFileSync(cwdFile, 'utf8').trim() : cwd };
}

function run(command: string, args: string[], cwd = temp): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...ROOT_SHELL_ENV, SYSTEMD_LOG_TARGET: 'console' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function account(name: string): { uid: number; gid: number; home: string; shell: string } | null {
  const entry = run('getent', ['passwd', name]);
  if (entry.status !== 0) return null;
  const [, , uid, gid, , home, shell] = entry.stdout.trim().split(':');
  return { uid: Number(uid), gid: Number(gid), home: home!, shell: shell! };
}

/** Everything the install block creates on this machine. */
function installedThings(): string[] {
  const paths = [CHECKOUT, SETTINGS, HOME, ...UNITS.flatMap((unit) => [join(UNIT_DIR, `${unit}.service`), join(UNIT_DIR, 'multi-user.target.wants', `${unit}.service`)])];
  return [
    ...(account(ACCOUNT) ? [`the account ${ACCOUNT}`] : []),
    ...(run('getent', ['group', ACCOUNT]).status === 0 ? [`the group ${ACCOUNT}`] : []),
    ...paths.filter((path) => existsSync(path)),
  ];
}

function removeInstallation(): void {
  const uid = account(ACCOUNT)?.uid;
  if (UNITS.some((unit) => existsSync(join(UNIT_DIR, `${unit}.service`)))) run('systemctl', ['disable', ...UNITS]);
  for (const unit of UNITS) rmSync(join(UNIT_DIR, `${unit}.service`), { force: true });
  // A run killed mid-test leaves its services running as the account, and userdel refuses an
  // account in use: the account is this test's own (the marker says so), so are its processes.
  if (uid !== undefined) run('pkill', ['-KILL', '-u', String(uid)]);
  run('userdel', [ACCOUNT]);
  run('groupdel', [ACCOUNT]);
  // rm rather than rmSync: half a gigabyte of node_modules, on a machine that may be busy.
  run('nice', ['-n', '19', 'rm', '-rf', CHECKOUT, SETTINGS, HOME, ...(uid === undefined ? [] : [join(tmpdir(), `tsx-${uid}`)])]);
  // Kept while anything of the installation is left, so the next run removes it instead of refusing.
  if (installedThings().length === 0) rmSync(MARKER, { force: true });
}

const source = join(temp, 'ward-station');
function sourceGit(...args: string[]): string {
  const result = run('git', [`--git-dir=${join(source, '.git')}`, `--work-tree=${ROOT}`, '-c', 'user.name=cloud-install test', '-c', 'user.email=test@localhost', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

/**
 * The release IT clones: a repository holding this working tree (what is tested is what is on
 * disk, committed or not) with its branch named RELEASE, so only the clone's URL differs from
 * the README's.
 */
function releaseRepository(): string {
  mkdirSync(source);
  expect(run('git', ['init', '-q', source]).status).toBe(0);
  sourceGit('symbolic-ref', 'HEAD', 'refs/heads/RELEASE');
  sourceGit('add', '-A');
  sourceGit('commit', '-q', '-m', 'the release under test');
  return `file://${source}`;
}

/** The next release, on the branch NEW-RELEASE: a commit on top of RELEASE. Its id. */
function nextRelease(): string {
  sourceGit('branch', 'NEW-RELEASE');
  sourceGit('symbolic-ref', 'HEAD', 'refs/heads/NEW-RELEASE');
  sourceGit('commit', '-q', '--allow-empty', '-m', 'the next release');
  return sourceGit('rev-parse', 'HEAD');
}

/**
 * `systemctl start` where systemd is not PID 1, from the installed unit: its ExecStart as its
 * User and Group, in its WorkingDirectory, with systemd's environment for a service (Environment=,
 * then EnvironmentFile=, which overrides it), its UMask, and its StateDirectory made as systemd
 * makes it. The sandboxing settings are systemd's own: only `systemd-analyze verify` checks them.
 */
async function startInstalledUnit(unitName: string, isReady: (line: string) => boolean): Promise<StartedProcess & { line: string }> {
  const unit = readUnit(join(UNIT_DIR, `${unitName}.service`));
  const setting = (key: string) => unit.settings.get(key)?.[0];
  const user = setting('User')!;
  const group = setting('Group') ?? user;
  const passwd = account(user)!;
  const stateDirectory = setting('StateDirectory');
  if (stateDirectory) {
    const path = join('/var/lib', stateDirectory);
    mkdirSync(path, { recursive: true });
    chownSync(path, passwd.uid, passwd.gid);
    chmodSync(path, Number.parseInt(setting('StateDirectoryMode') ?? '0755', 8));
  }
  const environmentFile = setting('EnvironmentFile')!.replace(/^-/, '');
  const env = { PATH: SERVICE_PATH, HOME: passwd.home, USER: user, LOGNAME: user, SHELL: passwd.shell, ...unit.environment, ...readEnvironmentFile(environmentFile) };
  const umask = setting('UMask') ?? '0022';
  // setpriv and sh exec in turn: the service's process is the one started here, so SIGTERM reaches it.
  return startUntilLine(
    '/usr/bin/setpriv',
    ['--reuid', user, '--regid', group, '--init-groups', '--', '/bin/sh', '-c', `umask ${umask} && exec "$@"`, 'sh', ...unit.execStart],
    { cwd: setting('WorkingDirectory')!, env },
    isReady,
  );
}

function owner(path: string): { mode: number; user: string; group: string } {
  const [mode, user, group] = run('stat', ['-c', '%a %U %G', path]).stdout.trim().split(' ');
  return { mode: Number.parseInt(mode!, 8), user: user!, group: group! };
}

/** The user id a process runs as, from /proc. */
const processUid = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/** `npm ci --ignore-scripts` in the checkout: its modules, nothing built, no download of Electron, the checkout unchanged. */
function expectModulesInstalled(): void {
  for (const module of ['tsx', 'fastify', 'postgres', 'pdfkit']) expect(existsSync(join(CHECKOUT, 'node_modules', module, 'package.json')), module).toBe(true);
  expect(existsSync(join(CHECKOUT, 'node_modules/better-sqlite3/build'))).toBe(false);
  expect(existsSync(join(CHECKOUT, 'node_modules/electron/dist'))).toBe(false);
  expect(run('git', ['-C', CHECKOUT, 'status', '--porcelain']).stdout).toBe('');
}

/** Health checks of the started API: its URL from the line it logs when listening. */
async function expectServing(api: StartedProcess & { line: string }): Promise<void> {
  expect(processUid(api.child.pid!)).toBe(account(ACCOUNT)!.uid);
  const url = /^Ward cloud listening on (\S+) /.exec(api.line)![1]!;
  expect((await fetch(`${url}/v1/health`)).status).toBe(200);
  const env = readEnvironmentFile(join(SETTINGS, 'cloud.env'));
  expect((await fetch(`http://127.0.0.1:${env.CLOUD_METRICS_PORT}/metrics`)).status).toBe(200);
}

describe('installing and upgrading the cloud as systemd services: the README blocks, run line by line as root', () => {
  let owned = false;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  /** The services started by `systemctl enable --now` / `restart`, by unit. */
  const running = new Map<string, StartedProcess & { line: string }>();

  /** `--now` and the second half of `restart`: the API, then the report worker, from the installed units. */
  async function startServices(): Promise<void> {
    const api = await startInstalledUnit('ward-cloud', (text) => text.startsWith('Ward cloud listening on '));
    running.set('ward-cloud', api);
    await expectServing(api);
    const worker = await startInstalledUnit('ward-cloud-report-worker', (text) => text.startsWith('{"ready"'));
    running.set('ward-cloud-report-worker', worker);
    expect(processUid(worker.child.pid!)).toBe(account(ACCOUNT)!.uid);
  }

  /** `systemctl stop`: SIGTERM, and each exits cleanly. */
  async function stopServices(units: string[]): Promise<void> {
    for (const unit of units) {
      expect(await stopWithSigterm(running.get(unit)!), unit).toBe(0);
      running.delete(unit);
    }
  }

  afterAll(async () => {
    for (const service of running.values()) service.child.kill('SIGKILL');
    await Promise.all([...running.values()].map((service) => service.exited));
    if (owned) removeInstallation();
    await db?.drop();
    rmSync(temp, { recursive: true, force: true });
  }, 600_000);

  it('install: the account, a checkout of the release with its modules and nothing built, settings and units in place, both services running from there as ward-cloud', { timeout: 1_200_000 }, async () => {
    if (existsSync(MARKER)) removeInstallation();
    const present = installedThings();
    if (present.length > 0) throw new Error(`refusing to install over what this test did not make: ${present.join(', ')} already exist`);
    writeFileSync(MARKER, `made by ${join(ROOT, 'test/cloud/cloud-install.test.ts')}\n`);
    owned = true;
    db = await createTestDatabase();

    let cwd = mkdtempSync(join(temp, 'root-'));
    const lines = readmeCommands('each line, in order');
    const handled: string[] = [];
    for (const line of lines) {
      const clone = /^git clone --branch RELEASE (\S+) \/opt\/ward-cloud$/.exec(line);
      const systemctl = /^systemctl daemon-reload && systemctl enable --now ([\w -]+)$/.exec(line);
      if (systemctl) {
        const units = systemctl[1]!.split(' ');
        expect(units).toEqual(UNITS);
        // `systemctl enable` works without a running systemd: it makes the same links.
        const enable = run('systemctl', ['enable', ...units]);
        expect(enable.status, enable.stderr).toBe(0);
        expect(run('systemctl', ['is-enabled', ...units]).stdout.trim().split('\n')).toEqual(['enabled', 'enabled']);
        // daemon-reload loads the installed files: systemd-analyze verify checks what it would refuse.
        for (const unit of units) {
          const verify = run('systemd-analyze', ['verify', join(UNIT_DIR, `${unit}.service`)]);
          expect(`${verify.stdout}${verify.stderr}`, unit).toBe('');
          expect(verify.status).toBe(0);
        }
        await startServices();
        // Its state folder holds the first admin's password, the service's own.
        expect(running.get('ward-cloud')!.stdout.join('\n')).toContain(`Its password is in ${HOME}/initial-admin-password`);
        expect(owner(`${HOME}/initial-admin-password`)).toEqual({ mode: 0o600, user: ACCOUNT, group: ACCOUNT });
        expect(owner(HOME)).toEqual({ mode: 0o750, user: ACCOUNT, group: ACCOUNT });
        handled.push(line);
        continue;
      }

      // The one substitution in the lines run by the shell: the release repository's address.
      const result = shellLine(clone ? line.replace(clone[1]!, releaseRepository()) : line, cwd);
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
      cwd = result.cwd;
      handled.push(line);

      if (line.startsWith('adduser ')) {
        const created = account(ACCOUNT)!;
        expect(created.home).toBe(HOME);
        expect(created.uid).toBeLessThan(1000);
        expect(run('id', ['-gn', ACCOUNT]).stdout.trim()).toBe(ACCOUNT);
        expect(owner(HOME).user).toBe(ACCOUNT);
      } else if (clone) {
        expect(run('git', ['-C', CHECKOUT, 'rev-parse', '--abbrev-ref', 'HEAD']).stdout.trim()).toBe('RELEASE');
        expect(run('git', ['-C', CHECKOUT, 'status', '--porcelain']).stdout).toBe('');
        expect(readFileSync(join(CHECKOUT, 'cloud/deploy/ward-cloud.service'), 'utf8')).toBe(readFileSync(join(ROOT, 'cloud/deploy/ward-cloud.service'), 'utf8'));
      } else if (line.includes('npm ci')) {
        expect(cwd).toBe(CHECKOUT);
        expectModulesInstalled();
      } else if (line.startsWith('install -d')) {
        expect(owner(SETTINGS)).toEqual({ mode: 0o750, user: 'root', group: ACCOUNT });
      } else if (line.includes('/etc/ward-cloud/cloud.env')) {
        const path = join(SETTINGS, 'cloud.env');
        expect(owner(path)).toEqual({ mode: 0o640, user: 'root', group: ACCOUNT });
        expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(CHECKOUT, 'cloud/deploy/cloud.env.example'), 'utf8'));
        // IT's edit ("then edit: DATABASE_URL, …"): here the test database, loopback, free
        // ports (the metrics port overrides the unit's 9464, as EnvironmentFile= does) and this
        // test project's storage mode.
        const edits: Record<string, string> = { DATABASE_URL: db.url, CLOUD_HOST: '127.0.0.1', CLOUD_PORT: String(await freePort()), CLOUD_METRICS_PORT: String(await freePort()), CLOUD_STORAGE_MODE: inject('storageMode') };
        const kept = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '' && !Object.keys(edits).some((name) => l.startsWith(`${name}=`)));
        writeFileSync(path, [...kept, ...Object.entries(edits).map(([name, value]) => `${name}=${value}`), ''].join('\n'));
        expect(owner(path)).toEqual({ mode: 0o640, user: 'root', group: ACCOUNT });
      } else if (line.includes('/etc/systemd/system/')) {
        for (const unit of UNITS) {
          const path = join(UNIT_DIR, `${unit}.service`);
          expect(owner(path)).toEqual({ mode: 0o644, user: 'root', group: 'root' });
          expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(CHECKOUT, 'cloud/deploy', `${unit}.service`), 'utf8'));
        }
      }
    }
    expect(handled).toEqual(lines);
    expect([...running.keys()]).toEqual(UNITS);
  });

  it('upgrade: the checkout moves to the next release with its modules, the migration runs as ward-cloud, both services restart from it', { timeout: 1_200_000 }, async () => {
    expect([...running.keys()], 'the install left both services running').toEqual(UNITS);
    const next = nextRelease();
    let cwd = mkdtempSync(join(temp, 'root-'));
    const lines = readmeCommands('upgrade: each line, in order');
    const handled: string[] = [];
    for (const line of lines) {
      const restart = /^systemctl restart ([\w -]+)$/.exec(line);
      if (restart) {
        const units = restart[1]!.split(' ');
        expect(units).toEqual(UNITS);
        await stopServices(units);
        await startServices();
        handled.push(line);
        continue;
      }
      const result = shellLine(line, cwd);
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
      cwd = result.cwd;
      handled.push(line);
      if (line.includes('git checkout NEW-RELEASE')) {
        expect(cwd).toBe(CHECKOUT);
        expect(run('git', ['-C', CHECKOUT, 'rev-parse', 'HEAD']).stdout.trim()).toBe(next);
        expectModulesInstalled();
      } else if (line.includes('npm run cloud -- migrate')) {
        const outcome = JSON.parse(result.stdout.split('\n').find((l) => l.startsWith('{"migrated"'))!) as { migrated: boolean; storageMode: string; applied: string[]; known: string[] };
        // The API of the previous release migrated at its start: nothing is pending, every migration is known.
        expect(outcome).toMatchObject({ migrated: true, storageMode: inject('storageMode'), applied: [] });
        expect(outcome.known.length).toBeGreaterThan(0);
      }
    }
    expect(handled).toEqual(lines);
    await stopServices(UNITS);
  });
});
