import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

describe('cloud failover URLs in the station configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const withCloud = (cloud: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-config-failover-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ cloud: { stationId: 'ward-4b', secret: 'x'.repeat(32), ...cloud } }));
    return dir;
  };

  it('lists the other regions after the first', () => {
    const dir = withCloud({ url: 'https://us-east.cloud.example', failoverUrls: ['https://us-west.cloud.example'] });
    expect(loadConfig({ dataDir: dir }, {}).cloud).toMatchObject({ url: 'https://us-east.cloud.example', failoverUrls: ['https://us-west.cloud.example'] });
  });

  it('holds every region to the same transport rule as the first', () => {
    const dir = withCloud({ url: 'https://us-east.cloud.example', failoverUrls: ['http://us-west.cloud.example'] });
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/http:\/\/ to another machine/);
  });
});
