import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { connect } from '../../cloud/db/sql.js';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { readEnvironmentFile, readUnit, startUntilReady, stopWithSigterm, type ReadyProcess } from '../helpers/systemd-unit.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'cloud', 'deploy');
const UNITS = ['ward-cloud.service', 'ward-cloud-report-worker.service'];
/** systemd-analyze logs to the journal or console unless told: its findings must reach stderr here. */
const VERIFY_ENV = { ...process.env, SYSTEMD_LOG_TARGET: 'console' };
const temp = mkdtempSync(join(tmpdir(), 'ward-cloud-deploy-'));

/** A unit of cloud/deploy. */
const unit = (name: string) => readUnit(join(DEPLOY, name));

/** The env file IT copies to /etc/ward-cloud/cloud.env. */
const exampleEnvironment = () => readEnvironmentFile(join(DEPLOY, 'cloud.env.example'));

/**
 * What this machine must change to run the settings here: the test database, loopback and free
 * ports, a temporary data folder and the test project's storage mode. Everything else is the
 * unit's or the compose file's own.
 */
function local(databaseUrl: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, CLOUD_HOST: '127.0.0.1', CLOUD_PORT: '0', CLOUD_METRICS_HOST: '127.0.0.1', CLOUD_METRICS_PORT: '0', CLOUD_DATA_DIR: mkdtempSync(join(temp, 'data-')), CLOUD_STORAGE_MODE: inject('storageMode'), CLOUD_LOG_LEVEL: 'warn' };
}

/** Runs a command as its unit or container would (from this checkout), and waits for its `{"ready": …}` line. */
async function run(argv: string[], env: Record<string, string>): Promise<ReadyProcess> {
  const [command, ...args] = argv.map((word) => word.replace('/opt/ward-cloud', ROOT));
  const executable = command === '/usr/bin/node' || command === 'node' ? process.execPath : command!;
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CLOUD_') && name !== 'DATABASE_URL')) as Record<string, string>;
  return startUntilReady(executable, args, { cwd: ROOT, env: { ...base, ...env } });
}

const stop = stopWithSigterm;

const metric = (text: string, line: string) => Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1]);

describe('the cloud for IT: systemd units and the compose file, run here as processes', () => {
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('has units that systemd-analyze verify accepts (and refuses when broken), hardened like the station', () => {
    for (const name of UNITS) {
      const verify = spawnSync('systemd-analyze', ['verify', join(DEPLOY, name)], { encoding: 'utf8', env: VERIFY_ENV });
      expect(`${verify.stdout}${verify.stderr}`).toBe('');
      expect(verify.status).toBe(0);
      const { settings } = unit(name);
      for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['PrivateDevices', 'yes'], ['CapabilityBoundingSet', ''], ['SystemCallFilter', '@system-service'], ['User', 'ward-cloud'], ['Restart', 'always'], ['StandardOutput', 'journal']]) {
        expect(settings.get(key), `${name} ${key}`).toEqual([value]);
      }
      expect(settings.get('EnvironmentFile')).toEqual(['/etc/ward-cloud/cloud.env']);
    }
    expect(unit('ward-cloud.service').settings.get('ReadWritePaths')).toEqual(['/var/lib/ward-cloud']);
    const broken = join(temp, 'ward-cloud.service');
    writeFileSync(broken, unit('ward-cloud.service').text.replace('ProtectSystem=strict', 'ProtectSystem=sometimes'));
    const verify = spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8', env: VERIFY_ENV });
    expect(verify.stderr).toMatch(/ward-cloud\.service:\d+: Failed to parse protect system value/);
  });

  it("runs the API unit's ExecStart and the report worker unit's with their settings: reports wait for the worker, then are done", { timeout: 120_000 }, async () => {
    const db = await createTestDatabase();
    const api = unit('ward-cloud.service');
    const worker = unit('ward-cloud-report-worker.service');
    const settings = { ...exampleEnvironment(), ...api.environment, ...local(db.url) };
    const cloud = await run([...api.execStart, '--ready-json'], settings);
    let stopped: number | null = null;
    const sql = connect(db.url, { max: 1 });
    try {
      const ready = cloud.first.ready as { url: string; metricsUrl: string };
      expect((await fetch(`${ready.url}/v1/health`)).status).toBe(200);
      const [admin] = await sql<{ id: number }[]>`SELECT id FROM users WHERE username = 'admin'`;
      const params = { stationId: 'ward-4b', from: new Date(Date.now() - 3600_000).toISOString(), to: new Date().toISOString(), timeZone: 'UTC' };
      const [job] = await sql<{ id: string }[]>`INSERT INTO report_jobs (kind, params, requested_by, max_attempts, created_at, expires_at)
        VALUES ('ward_alarms', ${sql.json(params)}, ${admin!.id}, 3, now(), now() + interval '1 day') RETURNING id`;
      // CLOUD_REPORT_WORKER=false: the API replica leaves it queued, and its metrics say so.
      const before = await (await fetch(ready.metricsUrl)).text();
      expect(metric(before, 'ward_cloud_queue_depth{queue="reports",state="due"}')).toBe(1);

      const reports = await run(worker.execStart, { ...exampleEnvironment(), ...worker.environment, ...local(db.url) });
      expect(reports.first.ready).toEqual(expect.any(String));
      await expect.poll(async () => (await sql<{ status: string }[]>`SELECT status FROM report_jobs WHERE id = ${job!.id}`)[0]!.status, { timeout: 60_000 }).toBe('done');
      const after = await (await fetch(ready.metricsUrl)).text();
      expect(metric(after, 'ward_cloud_queue_depth{queue="reports",state="due"}')).toBe(0);
      expect(await stop(reports)).toBe(0);
    } finally {
      await sql.end();
      stopped = await stop(cloud);
      await db.drop();
    }
    expect(stopped).toBe(0);
  });

  it('the API unit stops cleanly when stopped the moment it says it is ready (a supervisor may do just that)', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase();
    try {
      const api = unit('ward-cloud.service');
      const cloud = await run([...api.execStart, '--ready-json'], { ...exampleEnvironment(), ...api.environment, ...local(db.url) });
      expect(await stop(cloud)).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it("the README's password line for the compose file makes passwords that its DATABASE_URLs carry intact (and cloud.env's says to percent-encode others)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- run-by: test/cloud/cloud-deploy.test.ts (the first line only');
    expect(start).toBeGreaterThan(0);
    const line = /```sh\n(.*)\n/.exec(readme.slice(start))![1]!;
    expect(line).toMatch(/^echo "POSTGRES_PASSWORD=.*" > cloud\/deploy\/\.env(\s|$)/);
    const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { environment?: Record<string, string> }> };
    const urls = Object.values(compose.services).flatMap((service) => (service.environment?.DATABASE_URL ? [service.environment.DATABASE_URL] : []));
    expect(urls.length).toBeGreaterThan(0);
    const checkout = mkdtempSync(join(temp, 'checkout-'));
    mkdirSync(join(checkout, 'cloud/deploy'), { recursive: true });
    // Random passwords: enough of them that any character a URL cannot carry as is turns up.
    for (let i = 0; i < 40; i++) {
      expect(spawnSync('sh', ['-ec', line], { cwd: checkout }).status).toBe(0);
      const password = readEnvironmentFile(join(checkout, 'cloud/deploy/.env')).POSTGRES_PASSWORD!;
      expect(password.length).toBeGreaterThanOrEqual(32);
      for (const url of urls) {
        // What docker compose substitutes, then what the cloud's driver reads from it.
        const options = (connect(url.replace('${POSTGRES_PASSWORD}', password), { max: 1 }) as unknown as { options: { host: string[]; user: string; pass: string; database: string } }).options;
        expect({ host: options.host, user: options.user, pass: options.pass, database: options.database }, url).toEqual({ host: ['timescaledb'], user: 'ward', pass: password, database: 'ward_cloud' });
      }
    }
    // cloud.env's DATABASE_URL, written by hand: a password with any other character, percent-encoded.
    const chosen = 'a/b@c:d#e?f%g+h';
    const options = (connect(`postgres://ward:${encodeURIComponent(chosen)}@db.hospital.internal:5432/ward_cloud`, { max: 1 }) as unknown as { options: { host: string[]; pass: string } }).options;
    expect({ host: options.host, pass: options.pass }).toEqual({ host: ['db.hospital.internal'], pass: chosen });
    expect(readFileSync(join(DEPLOY, 'cloud.env.example'), 'utf8')).toContain('percent-encoded');
  });

  it("runs the compose file's TimescaleDB with the README's archiving settings (into its volume) and the max_connections the pool sizing counts on", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- run-by: test/postgres-pitr.test.ts (settings) -->');
    expect(start).toBeGreaterThan(0);
    const settings = /```\n([\s\S]*?)```/.exec(readme.slice(start))![1]!.trim().split('\n').map((line) => line.replace(' = ', '=').replace(/^(archive_command=)'(.*)'$/, '$1$2').replaceAll('/srv/pg-wal-archive', '/wal-archive'));
    const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8')) as { services: { timescaledb: { command: string[]; volumes: string[] } } };
    const { command, volumes } = compose.services.timescaledb;
    const set = command.filter((_, i) => command[i - 1] === '-c');
    expect(set).toEqual(expect.arrayContaining([...settings, 'max_connections=100']));
    expect(volumes).toContain('walarchive:/wal-archive');
    expect(readme).toMatch(/the embedded server and the compose file set 300 and 100/);
  });

  it("documents a compose file with TimescaleDB whose cloud and report-worker settings run here as processes", { timeout: 120_000 }, async () => {
    const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown; build?: { context: string; dockerfile: string } }>;
    };
    const { timescaledb, cloud: cloudService, 'report-worker': workerService } = compose.services;
    expect(timescaledb!.image).toMatch(/^timescale\/timescaledb:/);
    expect(timescaledb!.healthcheck).toBeDefined();
    expect(cloudService!.depends_on).toEqual({ timescaledb: { condition: 'service_healthy' } });
    expect(cloudService!.environment!.DATABASE_URL).toMatch(/@timescaledb:5432\/ward_cloud$/);
    expect(cloudService!.environment!.CLOUD_STORAGE_MODE).toBe('timescaledb');
    // The image's command (Dockerfile CMD) and the worker's, from the repository root (WORKDIR).
    const dockerfile = readFileSync(join(ROOT, cloudService!.build!.dockerfile), 'utf8');
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(dockerfile)![1]!) as string[];
    expect(/^WORKDIR (.*)$/m.exec(dockerfile)![1]).toBe('/opt/ward-cloud');

    const db = await createTestDatabase();
    const cloud = await run([...cmd, '--ready-json'], { ...cloudService!.environment!, ...local(db.url) });
    let stopped: number | null = null;
    try {
      const ready = cloud.first.ready as { url: string; metricsUrl: string };
      expect((await fetch(`${ready.url}/v1/health`)).status).toBe(200);
      expect((await fetch(ready.metricsUrl)).status).toBe(200);
      const reports = await run(workerService!.command!, { ...workerService!.environment!, ...local(db.url) });
      expect(reports.first.ready).toEqual(expect.any(String));
      // Stopped the moment it says it is ready: it must already stop cleanly then.
      expect(await stop(reports)).toBe(0);
    } finally {
      stopped = await stop(cloud);
      await db.drop();
    }
    expect(stopped).toBe(0);
  });
});
