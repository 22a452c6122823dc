import { defineConfig } from 'vitest/config';

/**
 * Two projects. "native": everything, the cloud on the embedded PostgreSQL 17 in native storage
 * mode. "timescaledb": the cloud's whole suite again, on a throwaway PostgreSQL 15 cluster with
 * TimescaleDB (test/setup/timescaledb-global.ts), where the cloud chooses TimescaleDB storage.
 * WARD_TESTS_WITHOUT_TIMESCALEDB=1 leaves the second out, and the run says so at start and end.
 */
const withoutTimescaledb = process.env.WARD_TESTS_WITHOUT_TIMESCALEDB === '1';
const CLOUD_SUITE = ['test/cloud/**/*.test.ts'];
/** Tests of the TimescaleDB mode alone (they need its server). */
const TIMESCALEDB_ONLY = 'test/cloud/timescaledb/**';

export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'out/**'],
    // Integration tests open real sockets, ptys and processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true as const,
        test: {
          name: 'native',
          include: ['gateway/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'cloud/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['node_modules/**', 'out/**', TIMESCALEDB_ONLY],
          globalSetup: ['test/setup/postgres-global.ts', ...(withoutTimescaledb ? ['test/setup/without-timescaledb.ts'] : [])],
        },
      },
      ...(withoutTimescaledb
        ? []
        : [
            {
              extends: true as const,
              test: {
                name: 'timescaledb',
                include: CLOUD_SUITE,
                exclude: [
                  'node_modules/**',
                  'out/**',
                  // They start their own embedded server with nothing configured: the same in both modes.
                  'test/cloud/cloud-first-start.test.ts',
                  'test/cloud/embedded-postgres.test.ts',
                  // It installs the cloud on this machine (account, /opt, /etc): once per run, in "native".
                  'test/cloud/cloud-install.test.ts',
                  // Page layout of printed reports: it seeds the native rollup tables directly (in
                  // TimescaleDB mode they are continuous aggregates); the reports' data in TimescaleDB
                  // mode is checked by reports.test.ts and the timescaledb-mode test.
                  'test/cloud/report-pages.test.ts',
                ],
                globalSetup: ['test/setup/timescaledb-global.ts'],
              },
            },
          ]),
    ],
  },
});
