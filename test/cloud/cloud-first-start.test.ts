import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, signIn } from '../helpers/cloud-fixture.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { freePort } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';

describe('npm run cloud with nothing configured', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stops at once with one clear line when a variable is unusable, before touching any database', async () => {
    const dir = tempDir('ward-cloud-bad-config-');
    cleanups.push(() => dir.remove());
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'cloud', 'main.ts')], {
      env: { ...process.env, CLOUD_DATA_DIR: dir.path, DATABASE_URL: '', CLOUD_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = (await once(child, 'close')) as [number | null];
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: 'ward cloud could not start: CLOUD_PORT must be an integer from 0 to 65535 (got eighty)' });
    expect(statSync(dir.path).isDirectory()).toBe(true);
    expect(() => statSync(join(dir.path, 'postgres'))).toThrow(/ENOENT/);
  });

  // Two starts of the service and of its own PostgreSQL (initdb on the first): minutes on a busy machine.
  it('starts its own PostgreSQL, creates the schema and a first admin shown once, and keeps its data across restarts', { timeout: 300_000 }, async () => {
    const dir = tempDir('ward-cloud-first-');
    cleanups.push(() => dir.remove());
    const env = { CLOUD_DATA_DIR: dir.path, CLOUD_PORT: String(await freePort()), DATABASE_URL: '' };
    let cloud = await startCloudProcess(env);
    cleanups.push(() => cloud.child.kill('SIGKILL'));
    expect(cloud.ready).toMatchObject({ storageMode: 'native', embeddedDatabase: true });
    const admin = cloud.ready.admin!;
    expect(admin.username).toBe('admin');
    // The password is not on stdout (it would end in service logs): in a file only its owner reads.
    expect(cloud.ready.stdout.join('\n')).not.toContain(admin.password);
    expect(statSync(admin.passwordFile).mode & 0o777).toBe(0o600);
    expect((await api(cloud.ready.url, '/v1/health')).body).toMatchObject({ status: 'ok', storageMode: 'native' });
    const token = (await signIn(cloud.ready.url, admin.username, admin.password)).accessToken;
    expect((await api(cloud.ready.url, '/v1/stations', { method: 'POST', token, body: { id: 'ward-1', name: 'Ward 1' } })).status).toBe(201);

    // SIGTERM: a clean stop (the embedded PostgreSQL is shut down too; 143 = stopped by SIGTERM).
    cloud.child.kill('SIGTERM');
    expect([0, 143]).toContain(await cloud.exited);
    cloud = await startCloudProcess(env);
    expect(cloud.ready.admin).toBeNull(); // shown once only
    const again = (await signIn(cloud.ready.url, admin.username, admin.password)).accessToken;
    const stations = await api<Array<{ id: string }>>(cloud.ready.url, '/v1/stations', { token: again });
    expect(stations.body.map((s) => s.id)).toEqual(['ward-1']);
    cloud.child.kill('SIGTERM');
    expect([0, 143]).toContain(await cloud.exited);
  });
});
