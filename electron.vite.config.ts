import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { STORAGE_ROLES, workerEntry } from './gateway/storage/storage-messages.js';

/** One entry file per storage thread's role, beside the gateway bundle (out/main/<role>-worker.js). */
const STORAGE_WORKERS = Object.fromEntries(STORAGE_ROLES.map((role) => [workerEntry(role), resolve(`gateway/storage/${workerEntry(role)}.ts`)]));

/**
 * Three builds: main (the Electron shell, plus the gateway bundled beside it so the shell can
 * start it as a utilityProcess), preload (CommonJS: sandboxed preloads cannot be ES modules) and
 * the renderer (a plain web app the gateway also serves to Chromium on loopback).
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Pure-JavaScript libraries go into the bundle: resolving their hundreds of module files
      // took most of each IT command's start-up. Native modules and ws/undici stay outside.
      externalizeDeps: { exclude: ['@sinclair/typebox', 'pino'] },
      rollupOptions: {
        input: { index: resolve('main/index.ts'), gateway: resolve('gateway/cli.ts'), ...STORAGE_WORKERS, 'backup-worker': resolve('gateway/storage/backup-worker.ts') },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
