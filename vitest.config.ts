import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['gateway/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'cloud/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'out/**'],
    // Integration tests open real sockets, ptys and processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/setup/postgres-global.ts'],
    reporters: ['default'],
  },
});
