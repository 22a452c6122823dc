import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(import.meta.dirname, '..');

/** The layering (renderer without Node, gateway without electron, cloud with only the station's contract) is enforced by lint; prove the rules bite. */
async function violations(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** Messages of the rule that holds the cloud to its SQL styles (cloud/db/sql.ts). */
async function sqlStyleViolations(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('layering rules', () => {
  it('keeps Node and gateway internals out of the renderer', async () => {
    expect(await violations('renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', "import { openDatabase } from '../../gateway/storage/database.js';\nexport const a = openDatabase;\n")).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', "import { VITALS } from '../../gateway/protocol/vitals.js';\nexport const a = VITALS;\n")).toHaveLength(0);
  });

  it('keeps electron out of the gateway and I/O libraries out of main', async () => {
    expect(await violations('gateway/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('main/x.ts', "import Database from 'better-sqlite3';\nexport const a = Database;\n")).toHaveLength(1);
  });

  it('lets the cloud import the contract folder and nothing else of the station', async () => {
    const imports = (from: string) => `import { a } from '${from}';\nexport const b = a;\n`;
    expect(await violations('cloud/vitals/x.ts', imports('../../gateway/protocol/vitals.js'))).toHaveLength(0);
    expect(await violations('cloud/ingest/x.ts', imports('../../gateway/protocol/sync-batch.js'))).toHaveLength(0);
    expect(await violations('cloud/x.ts', imports('../gateway/storage/database.js'))).toHaveLength(1);
    expect(await violations('cloud/x.ts', imports('../gateway/station.js'))).toHaveLength(1);
    // Climbing back out of the contract folder is still leaving it.
    expect(await violations('cloud/x.ts', imports('../gateway/protocol/../storage/database.js'))).toHaveLength(1);
    expect(await violations('cloud/x.ts', imports('../renderer/src/App.js'))).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', imports('../../gateway/protocol/../log.js'))).toHaveLength(1);
  });

  it('keeps the contract folder pure: no Node, nothing from the rest of the gateway', async () => {
    const imports = (from: string) => `import { a } from '${from}';\nexport const b = a;\n`;
    expect(await violations('gateway/protocol/x.ts', imports('node:zlib'))).toHaveLength(1);
    expect(await violations('gateway/protocol/x.ts', imports('../storage/database.js'))).toHaveLength(1);
    expect(await violations('gateway/protocol/x.ts', imports('./vitals.js'))).toHaveLength(0);
    expect(await violations('gateway/protocol/x.ts', imports('@sinclair/typebox'))).toHaveLength(0);
  });

  it('points the gateway\'s inner arrows down: protocol <- domain <- ingest/storage/alarms <- sync/ui <- station', async () => {
    const imports = (from: string) => `import { a } from '${from}';\nexport const b = a;\n`;
    // The moves that made the layering true stay true.
    expect(await violations('gateway/storage/sync-worker.ts', imports('../sync/sync-client.js'))).toHaveLength(1);
    expect(await violations('gateway/ingest/serial-channel.ts', imports('../sync/backoff.js'))).toHaveLength(1);
    expect(await violations('gateway/ingest/serial-channel.ts', imports('../common/backoff.js'))).toHaveLength(0);
    expect(await violations('gateway/ui/ui-server.ts', imports('../ingest/listen.js'))).toHaveLength(0);
    expect(await violations('gateway/alarms/alarm-service.ts', imports('../ingest/channel.js'))).toHaveLength(1);
    expect(await violations('gateway/alarms/alarm-service.ts', imports('../domain/device.js'))).toHaveLength(0);
    // Transports reach storage only through the sink; nested folders are held to their layer too.
    expect(await violations('gateway/ingest/tls/secure-channels.ts', imports('../../storage/observation-writer.js'))).toHaveLength(1);
    expect(await violations('gateway/ingest/tls/secure-channels.ts', imports('../../domain/ingest-sink.js'))).toHaveLength(0);
    // Nothing below the composition root imports it.
    expect(await violations('gateway/ui/handlers/ward.ts', imports('../../station.js'))).toHaveLength(1);
    expect(await violations('gateway/sync/x.ts', imports('../demo/demo-ward.js'))).toHaveLength(1);
    expect(await violations('gateway/domain/x.ts', imports('../storage/database.js'))).toHaveLength(1);
    expect(await violations('gateway/domain/x.ts', imports('../protocol/vitals.js'))).toHaveLength(0);
    expect(await violations('gateway/station.ts', imports('./sync/sync-client.js'))).toHaveLength(0);
    // Every layer still keeps electron out.
    expect(await violations('gateway/storage/x.ts', imports('electron'))).toHaveLength(1);
  });

  it('holds the cloud to run() for a SQL constant with parameters, not a hand-written copy of it', async () => {
    const header = "import { run, type Sql } from '../db/sql.js';\nconst PRUNE = 'DELETE FROM t WHERE at < $1';\n";
    const copy = `${header}export const prune = (sql: Sql, at: Date) => sql.unsafe(PRUNE, [at], { prepare: true });\n`;
    expect(await sqlStyleViolations('cloud/vitals/x.ts', copy)).toEqual(['sql.unsafe(TEXT, params) is run() spelled out: use run(sql, TEXT, params) from cloud/db/sql.ts']);
    expect(await sqlStyleViolations('cloud/vitals/x.ts', `${header}export const prune = (sql: Sql, at: Date) => run(sql, PRUNE, [at]);\n`)).toEqual([]);
    // DDL without parameters, and a constant fragment in a tagged template, are sql.unsafe's own cases.
    expect(await sqlStyleViolations('cloud/vitals/x.ts', `${header}export const drop = (sql: Sql) => sql.unsafe('DROP TABLE IF EXISTS t');\nexport const cols = (sql: Sql) => sql\`SELECT \${sql.unsafe('a, b')} FROM t\`;\n`)).toEqual([]);
    // run() itself, and the report cursor, are where it is spelled out.
    expect(await sqlStyleViolations('cloud/db/sql.ts', copy)).toEqual([]);
  });
});
