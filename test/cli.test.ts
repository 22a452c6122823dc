import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceClient } from '../gateway/demo/device-client.js';
import { cli, cliFailure, startGatewayProcess } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

describe('IT commands (npm run gateway -- ...)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('--help names the real default data folder', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir.path };
    delete env.XDG_DATA_HOME;
    delete env.WARD_DATA_DIR;
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', '--help'], { encoding: 'utf8', env });
    expect(help.stdout).toContain(`--data-dir DIR       data folder (default: ${join(dir.path, '.local', 'share', 'ward-station')};`);
  });

  it('registers beds, devices and admissions, and refuses bad input with a clear error', () => {
    expect(cli(dir.path, 'beds', 'add', '--id', 'B1', '--label', 'Bed 1')).toEqual({ id: 'B1' });
    const added = cli<{ id: string; key: string; note: string }>(dir.path, 'devices', 'add', '--id', 'mon-1', '--model', 'Monitor', '--bed', 'B1');
    expect(added.key).toMatch(/^wsk_/);
    expect(added.note).toMatch(/not shown again/);
    expect(cli(dir.path, 'devices', 'add', '--id', 'gw-1', '--model', 'HL7 gateway', '--transport', 'hl7')).toEqual({ id: 'gw-1' });
    expect(cli(dir.path, 'patients', 'admit', '--bed', 'B1', '--mrn', 'M1', '--name', 'Pat')).toEqual({ bed: 'B1', admitted: true });
    const devices = cli<Array<{ id: string; transport: string; bedId: string | null; revoked: boolean }>>(dir.path, 'devices', 'list');
    expect(devices.map((d) => [d.id, d.transport, d.bedId, d.revoked])).toEqual([
      ['gw-1', 'hl7', null, false],
      ['mon-1', 'websocket', 'B1', false],
    ]);
    expect(JSON.stringify(devices)).not.toContain(added.key);

    const duplicate = cliFailure(dir.path, 'devices', 'add', '--id', 'mon-1', '--model', 'Monitor');
    expect(duplicate.status).toBe(2);
    expect(duplicate.stderr).toMatch(/DEVICE_EXISTS/);
    expect(cliFailure(dir.path, 'devices', 'add', '--id', 'x', '--model', 'M', '--transport', 'carrier-pigeon').stderr).toMatch(/--transport must be/);
    expect(cliFailure(dir.path, 'patients', 'admit', '--bed', 'B1', '--mrn', 'M2', '--name', 'Other').stderr).toMatch(/BED_OCCUPIED/);
    expect(cliFailure(dir.path, 'devices', 'assign', '--id', 'mon-1', '--bed', 'NOPE').stderr).toMatch(/BED_NOT_FOUND/);
    expect(cliFailure(dir.path, 'frobnicate').stderr).toMatch(/unknown command/);
    expect(cliFailure(dir.path, 'run', '--device-port', '99999').stderr).toMatch(/--device-port must be/);
  });

  it('a device revoked from the CLI is cut off by the running station', async () => {
    const { key } = cli<{ key: string }>(dir.path, 'devices', 'add', '--id', 'mon-2', '--model', 'Monitor', '--bed', 'B1');
    const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--no-mllp', '--no-demo']);
    let closedWith: (code: number) => void = () => undefined;
    const closed = new Promise<number>((resolve) => (closedWith = resolve));
    const client = new DeviceClient({ url: `ws://127.0.0.1:${gateway.ready.devicePort}/devices`, key, reconnect: false, onClose: (code) => closedWith(code) });
    await client.connect();
    await client.acked(client.send({ HR: 70 }));
    cli(dir.path, 'devices', 'revoke', '--id', 'mon-2');
    expect(await closed).toBe(4003);
    await expect(new DeviceClient({ url: `ws://127.0.0.1:${gateway.ready.devicePort}/devices`, key, reconnect: false }).connect()).rejects.toThrow(/HTTP 401/);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('a device added from the CLI while the station runs is let in at its first try', async () => {
    const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--no-mllp', '--no-demo']);
    try {
      // IT adds the monitor and plugs it in straight away: no poll of the registry may stand between.
      for (const id of ['mon-3', 'mon-4', 'mon-5']) {
        const { key } = cli<{ key: string }>(dir.path, 'devices', 'add', '--id', id, '--model', 'Monitor');
        const client = new DeviceClient({ url: `ws://127.0.0.1:${gateway.ready.devicePort}/devices`, key, reconnect: false });
        await client.connect();
        await client.acked(client.send({ HR: 70 }));
        await client.close();
      }
    } finally {
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
    }
  });
});
