import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';

const dirs: string[] = [];
function withConfig(file: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'ward-acm-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'station.json'), JSON.stringify(file));
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the acm block of the station configuration', () => {
  it('is off when absent or disabled', () => {
    expect(loadConfig({ dataDir: withConfig({}) }, {}).acm).toBeNull();
    expect(loadConfig({ dataDir: withConfig({ acm: { enabled: false, host: 'acm', port: 3200 } }) }, {}).acm).toBeNull();
  });

  it('fills defaults and turns seconds into milliseconds', () => {
    const acm = loadConfig({ dataDir: withConfig({ acm: { host: 'acm', port: 3200, escalation: { host: 'acm2', port: 3201, afterSeconds: { high: 60 } } } }) }, {}).acm;
    expect(acm).toMatchObject({
      primary: { host: 'acm', port: 3200 },
      escalation: { host: 'acm2', port: 3201, afterMs: { high: 60_000 } },
      sendingApplication: 'WARD_STATION',
      sendingFacility: 'WARD',
      receivingApplication: 'ACM',
      ackTimeoutMs: 10_000,
      maxErrorAttempts: 5,
    });
    expect(acm!.escalation!.afterMs.medium).toBeUndefined();
  });

  it('refuses a block without a port, an unknown field, or an escalation delay of zero', () => {
    expect(() => loadConfig({ dataDir: withConfig({ acm: { host: 'acm' } }) }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir: withConfig({ acm: { host: 'acm', port: 1, pager: true } }) }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir: withConfig({ acm: { host: 'acm', port: 1, escalation: { host: 'b', port: 2, afterSeconds: { high: 0 } } } }) }, {})).toThrow(/acm\/escalation\/afterSeconds\/high/);
  });
});
