import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databasePath } from '../gateway/station.js';
import { openDatabase } from '../gateway/storage/database.js';
import { DeviceRegistry } from '../gateway/storage/device-registry.js';
import { cli, cliFailure } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

const WARD_CSV = `kind,id,name,model,transport,bed,pin
bed,4B-01,Bed 1,,,,
bed,4B-02,"Bed 2, window",,,,
device,mon-4b01,,Philips MX450,websocket,4B-01,
device,mon-4b02,,Philips MX450,,4B-02,
device,0012A3FFFE4567AB,,HL7 gateway,hl7,4B-01,
nurse,ann,Ann Smith,,,,4711
`;

describe('bulk set-up from CSV, and the device inventory export', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('imports beds, devices and nurses once, writes new keys to an owner-only file, and is idempotent', () => {
    const csv = join(dir.path, 'ward.csv');
    writeFileSync(csv, WARD_CSV);
    expect(cliFailure(dir.path, 'import', '--from', csv).stderr).toMatch(/IMPORT_INVALID: 2 new WebSocket device\(s\) get keys: give --keys FILE/);

    const keysFile = join(dir.path, 'keys.csv');
    const first = cli(dir.path, 'import', '--from', csv, '--keys', keysFile);
    expect(first).toEqual({ beds: { added: 2, unchanged: 0 }, devices: { added: 3, reassigned: 0, unchanged: 0 }, nurses: { added: 1, unchanged: 0 }, keysFile });
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keys = readFileSync(keysFile, 'utf8').trim().split('\r\n');
    expect(keys[0]).toBe('device_id,key');
    const db = openDatabase(databasePath(dir.path));
    const registry = new DeviceRegistry(db);
    for (const line of keys.slice(1)) {
      const [id, key] = line.split(',');
      expect(registry.findByKey(key!)?.id).toBe(id);
    }
    expect(keys.slice(1).map((l) => l.split(',')[0])).toEqual(['mon-4b01', 'mon-4b02']);
    db.close();

    // The same file again: nothing changes, no keys are issued.
    expect(cli(dir.path, 'import', '--from', csv, '--keys', join(dir.path, 'keys-2.csv'))).toEqual({
      beds: { added: 0, unchanged: 2 },
      devices: { added: 0, reassigned: 0, unchanged: 3 },
      nurses: { added: 0, unchanged: 1 },
      keysFile: null,
    });
    expect(existsSync(join(dir.path, 'keys-2.csv'))).toBe(false);
    // Edited: a monitor moved beds.
    writeFileSync(csv, WARD_CSV.replace('mon-4b02,,Philips MX450,,4B-02', 'mon-4b02,,Philips MX450,,4B-01'));
    expect(cli(dir.path, 'import', '--from', csv)).toMatchObject({ devices: { added: 0, reassigned: 1, unchanged: 2 } });
  });

  it('applies all rows or none, and never writes over a keys file', () => {
    const csv = join(dir.path, 'bad.csv');
    writeFileSync(csv, 'kind,id,name,model,transport,bed,pin\nbed,5A-01,Bed 1,,,,\ndevice,mon-5a01,,Monitor,websocket,NO-SUCH-BED,\n');
    const keysFile = join(dir.path, 'keys-bad.csv');
    expect(cliFailure(dir.path, 'import', '--from', csv, '--keys', keysFile).stderr).toMatch(/BED_NOT_FOUND/);
    expect(cli<Array<{ id: string }>>(dir.path, 'beds', 'list').map((b) => b.id)).not.toContain('5A-01');
    expect(existsSync(keysFile)).toBe(false);

    writeFileSync(csv, 'kind,id,name,model,transport,bed,pin\ndevice,mon-new,,Monitor,websocket,,\n');
    writeFileSync(keysFile, 'someone else\n');
    expect(cliFailure(dir.path, 'import', '--from', csv, '--keys', keysFile).stderr).toMatch(/exists: keys are never written over an existing file/);
    expect(readFileSync(keysFile, 'utf8')).toBe('someone else\n');
    writeFileSync(csv, 'kind,id\nward,x\n');
    expect(cliFailure(dir.path, 'import', '--from', csv).stderr).toMatch(/IMPORT_INVALID: row 2: kind must be bed, device or nurse/);
  });

  it('exports the device list for the biomedical engineering inventory', () => {
    cli(dir.path, 'devices', 'revoke', '--id', 'mon-4b01');
    const to = join(dir.path, 'devices.csv');
    expect(cli(dir.path, 'devices', 'export', '--to', to)).toEqual({ file: to, devices: 3 });
    const lines = readFileSync(to, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('id,model,transport,bed,bed_label,registered_at,status,revoked_at');
    expect(lines[1]).toMatch(/^0012A3FFFE4567AB,HL7 gateway,hl7,4B-01,Bed 1,\d{4}-\d\d-\d\dT[\d:.]+Z,active,$/);
    expect(lines[2]).toMatch(/^mon-4b01,Philips MX450,websocket,4B-01,Bed 1,[\d\-T:.Z]+,revoked,\d{4}-/);
    expect(lines[3]).toMatch(/^mon-4b02,Philips MX450,websocket,4B-01,Bed 1,/);
    expect(readFileSync(to, 'utf8')).not.toMatch(/wsk_/);
  });
});
