import type { TestProject } from 'vitest/node';
import { startTimescaledbServer } from '../helpers/timescaledb-server.js';

/**
 * The timescaledb project's server: a throwaway PostgreSQL 15 cluster with TimescaleDB preloaded
 * (test/helpers/timescaledb-server.ts), so the cloud's suite runs a second time in that storage
 * mode. Fails the run with the reason when it cannot start; it never passes without it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTimescaledbServer();
  process.stdout.write(`timescaledb project: ${server.versions}, TimescaleDB ${server.timescaledbVersion}\n`);
  project.provide('postgresAdminUrl', server.url);
  project.provide('storageMode', 'timescaledb');
  return () => server.stop();
}
