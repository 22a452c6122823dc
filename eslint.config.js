// Lint, including the layering rules (which folder may import which): checked, not hoped for (VS Code's habit).
import tseslint from 'typescript-eslint';

const NODE_MODULES = ['node:*', 'fs', 'path', 'os', 'net', 'http', 'crypto', 'child_process', 'better-sqlite3', 'ws', 'serialport', 'pino', 'undici', 'postgres'];
/** A gateway import other than the contract folder (also one that climbs out of it again with `..`). */
const PAST_THE_CONTRACT = '^(\\.\\./)+gateway/(?!protocol/(?!.*\\.\\./))';

/** Folders above the storage layer, and the wiring above them. */
const SERVICE_LAYER = ['sync', 'ui', 'live', 'health'];
const WIRING = ['demo', 'admin', 'station', 'cli'];
/** Files under `files` may not import the gateway folders (or root modules) named in `above`. */
const gatewayLayer = (files, above, message) => [
  {
    files,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'gateway never imports electron (it runs headless too)' }],
          patterns: [{ regex: `^(\\.\\./)+(${above.join('|')})(/|\\.js$)`, message }],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.electron-native/**', 'test/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The gateway is plain Node: it runs headless and under test without Electron.
    files: ['gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'gateway never imports electron (it runs headless too)' }] }],
    },
  },
  // The gateway's inner layers; arrows point down only:
  //   station.ts, cli.ts, demo/, admin/         wire parts together
  //   sync/, ui/, live/, health/                 what the station offers (cloud link, screens, monitoring)
  //   ingest/, storage/, alarms/                 devices in, SQLite, the alarm engine
  //   domain/, common/                           the station's own types, errors and helpers
  //   protocol/                                  the contract shared with renderer and cloud
  ...gatewayLayer(['gateway/domain/**/*.ts', 'gateway/common/**/*.ts'], ['ingest', 'storage', 'alarms', ...SERVICE_LAYER, ...WIRING], 'domain/ and common/ stand on protocol/ only'),
  ...gatewayLayer(['gateway/ingest/**/*.ts'], ['storage', ...SERVICE_LAYER, ...WIRING], 'transports reach storage and alarms only through IngestSink (domain/)'),
  ...gatewayLayer(['gateway/storage/**/*.ts', 'gateway/alarms/**/*.ts'], ['ingest', ...SERVICE_LAYER, ...WIRING], 'storage and alarms stand on domain/ and protocol/, never on what is built on them'),
  ...gatewayLayer(['gateway/sync/**/*.ts', 'gateway/ui/**/*.ts', 'gateway/live/**/*.ts', 'gateway/health/**/*.ts'], WIRING, 'only the composition root connects the parts'),
  {
    // The contract: pure, imported by the renderer, the preload and the cloud. It stands on
    // nothing else in the gateway, so importing it never drags station code along.
    files: ['gateway/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'pure module' }],
          patterns: [
            { group: NODE_MODULES, message: 'gateway/protocol is pure: no Node APIs' },
            { regex: '^\\.\\./', message: 'gateway/protocol imports only from itself (and pure libraries)' },
          ],
        },
      ],
    },
  },
  {
    // The renderer runs in a sandboxed page and in plain Chromium: no Node, no Electron, and
    // only the gateway's pure protocol module.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'the renderer talks to main only through the preload API' }],
          patterns: [
            { group: NODE_MODULES, message: 'the renderer imports no Node modules' },
            { regex: PAST_THE_CONTRACT, message: 'the renderer may import only gateway/protocol' },
            { regex: '^(\\.\\./)+(main|preload|cloud)/', message: 'the renderer may import only gateway/protocol' },
          ],
        },
      ],
    },
  },
  {
    // main is a thin shell: no SQL, serial or device I/O there.
    files: ['main/**/*.ts', 'preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['better-sqlite3', 'serialport', 'ws', 'undici'], message: 'main/preload stay thin: this belongs in the gateway' },
            { regex: PAST_THE_CONTRACT, message: 'main/preload may import only gateway/protocol' },
          ],
        },
      ],
    },
  },
  {
    // The cloud is a separate program: of the station it imports only the contract.
    files: ['cloud/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: PAST_THE_CONTRACT, message: 'the cloud imports only gateway/protocol from the station' },
            { regex: '^(\\.\\./)+(main|preload|renderer)/', message: 'the cloud imports nothing else from the station' },
          ],
        },
      ],
    },
  },
  {
    // The cloud's SQL styles (cloud/db/sql.ts): a SQL constant with parameters goes through run(),
    // never a hand-written copy of it. Only run() itself and the report cursor (which needs the
    // query object, not its rows) call sql.unsafe with parameters.
    files: ['cloud/**/*.ts'],
    ignores: ['cloud/db/sql.ts', 'cloud/reports/stream-rows.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='unsafe'][arguments.length>1]",
          message: 'sql.unsafe(TEXT, params) is run() spelled out: use run(sql, TEXT, params) from cloud/db/sql.ts',
        },
      ],
    },
  },
);
