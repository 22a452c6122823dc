import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/gateway-process.js';
import { tempDir } from './helpers/station-fixture.js';

describe('devices add --tls-only', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('records which listener each device may use, and audits it', () => {
    cli(dir.path, 'devices', 'add', '--id', 'mon-new', '--model', 'Monitor', '--tls-only');
    cli(dir.path, 'devices', 'add', '--id', 'mon-old', '--model', 'Legacy monitor');
    const devices = cli<Array<{ id: string; tlsOnly: boolean }>>(dir.path, 'devices', 'list');
    expect(devices.map((d) => [d.id, d.tlsOnly])).toEqual([
      ['mon-new', true],
      ['mon-old', false],
    ]);
  });
});
