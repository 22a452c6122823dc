import { describe, expect, it } from 'vitest';
import { loadCloudConfig } from '../config.js';

describe('CLOUD_READ_DATABASE_URL', () => {
  it('is empty by default: every read on the primary', () => {
    expect(loadCloudConfig({}).readDatabaseUrls).toEqual([]);
  });

  it('lists several replicas, keeping the commas of a multi-host URL inside it', () => {
    const env = { CLOUD_READ_DATABASE_URL: 'postgres://u:p@10.0.0.2:5432/ward, postgresql://u:p@10.1.0.2:5432,10.1.0.3:5432/ward?target_session_attrs=prefer-standby' };
    expect(loadCloudConfig(env).readDatabaseUrls).toEqual([
      'postgres://u:p@10.0.0.2:5432/ward',
      'postgresql://u:p@10.1.0.2:5432,10.1.0.3:5432/ward?target_session_attrs=prefer-standby',
    ]);
  });

  it('bounds the wait for a replica to catch up', () => {
    expect(loadCloudConfig({}).readWaitMs).toBe(1000);
    expect(() => loadCloudConfig({ CLOUD_READ_WAIT_MS: '-5' })).toThrow(/CLOUD_READ_WAIT_MS must be an integer/);
  });
});
