import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultDataDir, loadConfig } from './config.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ward-config-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('configuration', () => {
  it('runs the demo ward with default ports when nothing is configured', () => {
    const dir = temp();
    const config = loadConfig({ dataDir: dir }, {});
    expect(config.demo).toEqual({ enabled: true, beds: 16 });
    expect([config.devices.port, config.mllp.port, config.ui.port]).toEqual([7400, 2575, 7401]);
    expect(config.ui.host).toBe('127.0.0.1');
    expect(config.storage).toEqual({ synchronous: 'FULL', hotWindowHours: 72, diskBudgetMb: 2048, waveRetentionHours: 72 });
  });

  it('starts an installed station without the demo ward, unless its file or a flag asks for it', () => {
    const dir = temp();
    expect(loadConfig({ dataDir: dir }, { WARD_INSTALLED: '1' }).demo.enabled).toBe(false);
    expect(loadConfig({ dataDir: dir, demo: true }, { WARD_INSTALLED: '1' }).demo.enabled).toBe(true);
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ demo: { enabled: true } }));
    expect(loadConfig({ dataDir: dir }, { WARD_INSTALLED: '1' }).demo.enabled).toBe(true);
  });

  it('reads DATA_DIR/station.json, turns the demo off, and lets flags win', () => {
    const dir = temp();
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ stationName: 'Ward 4B', devices: { port: 9000 }, storage: { hotWindowHours: 24 } }));
    const config = loadConfig({ dataDir: dir, devicePort: 9100 }, {});
    expect(config.stationName).toBe('Ward 4B');
    expect(config.demo.enabled).toBe(false);
    expect(config.devices.port).toBe(9100);
    expect(config.storage.hotWindowHours).toBe(24);
  });

  it('reads offline timeouts per device and per model, in seconds', () => {
    const dir = temp();
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ alarms: { offlineAfterSeconds: { devices: { 'pcd-1': 600 }, models: { 'HL7 gateway': 120 } } } }));
    expect(loadConfig({ dataDir: dir }, {}).alarms.offlineAfterMs).toEqual({ devices: { 'pcd-1': 600_000 }, models: { 'HL7 gateway': 120_000 } });
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ alarms: { offlineAfterSeconds: { devices: { 'pcd-1': 0 } } } }));
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/offlineAfterSeconds\/devices\/pcd-1/);
    expect(loadConfig({ dataDir: temp() }, {}).alarms.offlineAfterMs).toEqual({ devices: {}, models: {} });
  });

  it('refuses an invalid file naming the field', () => {
    const dir = temp();
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ devices: { port: 'seventy-four hundred' }, bogus: 1 }));
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/\/devices\/port/);
    writeFileSync(join(dir, 'station.json'), '{ not json');
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/cannot read configuration/);
    expect(() => loadConfig({ dataDir: dir, config: join(dir, 'missing.json') }, {})).toThrow(/does not exist/);
  });

  it('puts data in the per-user folder of each OS', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'linux')).toBe('/x/ward-station');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\n\\AppData\\Roaming' }, 'win32')).toMatch(/ward-station$/);
    expect(defaultDataDir({ WARD_DATA_DIR: '/srv/ward' }, 'linux')).toBe('/srv/ward');
  });
});
