import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { StationError } from '../domain/errors.js';
import { parse } from 'csv-parse/sync';
import type { Database } from 'better-sqlite3';
import type { Transport } from '../domain/device.js';
import type { DeviceRegistry } from '../storage/device-registry.js';
import type { NurseDirectory } from '../storage/nurse-directory.js';
import type { WardRepository } from '../storage/ward-repository.js';
import { csvField } from './device-inventory.js';

export class ImportError extends StationError<'IMPORT_INVALID'> {
  constructor(message: string) {
    super('IMPORT_INVALID', message);
  }
}

/**
 * One CSV for a ward's set-up, a row per bed, device or nurse (header required):
 *
 *   kind,id,name,model,transport,bed,pin
 *   bed,4B-01,Bed 1,,,,
 *   device,mon-4b01,,Philips MX450,websocket,4B-01,
 *   nurse,ann,Ann Smith,,,,4711
 *
 * Idempotent: a row that already holds is left alone, so the same file can be imported again
 * after adding rows. A device whose bed changed is reassigned; a nurse who exists keeps her PIN.
 * All rows are applied in one transaction, or none.
 */
export interface ImportSummary {
  readonly beds: { added: number; unchanged: number };
  readonly devices: { added: number; reassigned: number; unchanged: number };
  readonly nurses: { added: number; unchanged: number };
  /** The file holding the keys of newly added WebSocket devices (owner-only), if any were added. */
  readonly keysFile: string | null;
}

interface Row {
  kind: string;
  id: string;
  name?: string;
  model?: string;
  transport?: string;
  bed?: string;
  pin?: string;
}

const MAX_ROWS = 10_000;

function parseRows(text: string): Row[] {
  let rows: Row[];
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, to: MAX_ROWS + 1 });
  } catch (error) {
    throw new ImportError(`not a readable CSV: ${(error as Error).message}`);
  }
  if (rows.length > MAX_ROWS) throw new ImportError(`more than ${MAX_ROWS} rows`);
  rows.forEach((row, i) => {
    const where = `row ${i + 2}`;
    if (!['bed', 'device', 'nurse'].includes(row.kind)) throw new ImportError(`${where}: kind must be bed, device or nurse`);
    if (!row.id) throw new ImportError(`${where}: id is required`);
    if (row.kind === 'device' && !row.model) throw new ImportError(`${where}: a device needs a model`);
    if (row.kind === 'device' && row.transport && !['websocket', 'hl7', 'serial'].includes(row.transport)) throw new ImportError(`${where}: transport must be websocket, hl7 or serial`);
    if (row.kind === 'nurse' && (!row.name || !row.pin)) throw new ImportError(`${where}: a nurse needs a name and a pin`);
  });
  return rows;
}

export function importWardCsv(
  deps: { db: Database; ward: WardRepository; registry: DeviceRegistry; nurses: NurseDirectory },
  text: string,
  keysFile: string | null,
  actor: string,
): ImportSummary {
  const rows = parseRows(text);
  const newWebSocketDevices = rows.filter((r) => r.kind === 'device' && (r.transport || 'websocket') === 'websocket' && !deps.registry.record(r.id));
  if (newWebSocketDevices.length > 0 && !keysFile) throw new ImportError(`${newWebSocketDevices.length} new WebSocket device(s) get keys: give --keys FILE to receive them`);
  // Created before anything is written, owner-only and never over an existing file: the keys
  // must not be lost, and must not be readable by anyone else on the machine.
  const keysFd = newWebSocketDevices.length > 0 ? openSync(keysFile!, 'wx', 0o600) : null;
  const keys: Array<[string, string]> = [];
  const summary = { beds: { added: 0, unchanged: 0 }, devices: { added: 0, reassigned: 0, unchanged: 0 }, nurses: { added: 0, unchanged: 0 } };
  try {
    // IMMEDIATE: it reads before it writes, and a running station's writer thread commits vitals meanwhile.
    deps.db.transaction(() => {
      const beds = new Set(deps.ward.beds().map((b) => b.id));
      const nurses = new Set(deps.nurses.list().map((n) => n.id));
      for (const row of rows.filter((r) => r.kind === 'bed')) {
        if (beds.has(row.id)) summary.beds.unchanged++;
        else {
          deps.ward.addBed(row.id, row.name || row.id, actor);
          beds.add(row.id);
          summary.beds.added++;
        }
      }
      for (const row of rows.filter((r) => r.kind === 'device')) {
        const bedId = row.bed || null;
        const existing = deps.registry.record(row.id);
        if (!existing) {
          const { key } = deps.registry.register({ id: row.id, model: row.model!, transport: (row.transport || 'websocket') as Transport, bedId }, actor);
          if (key) keys.push([row.id, key]);
          summary.devices.added++;
        } else if (existing.transport !== (row.transport || 'websocket')) {
          throw new ImportError(`device ${row.id} is registered as ${existing.transport}, not ${row.transport || 'websocket'}`);
        } else if (existing.bedId !== bedId) {
          deps.registry.assign(row.id, bedId, actor);
          summary.devices.reassigned++;
        } else summary.devices.unchanged++;
      }
      for (const row of rows.filter((r) => r.kind === 'nurse')) {
        if (nurses.has(row.id)) summary.nurses.unchanged++;
        else {
          deps.nurses.add(row.id, row.name!, row.pin!, actor);
          nurses.add(row.id);
          summary.nurses.added++;
        }
      }
    }).immediate();
  } catch (error) {
    if (keysFd !== null) {
      closeSync(keysFd);
      rmSync(keysFile!, { force: true });
    }
    // The registries' caches may hold rows the rollback removed.
    deps.registry.reload();
    throw error;
  }
  if (keysFd !== null) {
    writeSync(keysFd, `device_id,key\r\n${keys.map(([id, key]) => `${csvField(id)},${key}`).join('\r\n')}\r\n`);
    closeSync(keysFd);
  }
  return { ...summary, keysFile: keysFd !== null ? keysFile : null };
}
