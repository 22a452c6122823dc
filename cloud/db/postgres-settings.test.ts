import { describe, expect, it } from 'vitest';
import { postgresSettingFlags, postgresSettings } from './postgres-settings.js';

const GB = 1024 * 1024 * 1024;

describe('the embedded PostgreSQL settings, from the machine memory', () => {
  it('gives a quarter to shared_buffers and half to the cache estimate, within bounds', () => {
    expect(postgresSettings(24 * GB)).toEqual({
      max_connections: '300',
      shared_buffers: '6144MB',
      effective_cache_size: '12288MB',
      work_mem: '20MB',
      maintenance_work_mem: '1024MB',
    });
    expect(postgresSettings(2 * GB)).toMatchObject({ shared_buffers: '512MB', effective_cache_size: '1024MB', work_mem: '4MB', maintenance_work_mem: '128MB' });
    expect(postgresSettings(256 * 1024 * 1024)).toMatchObject({ shared_buffers: '128MB', effective_cache_size: '256MB', maintenance_work_mem: '64MB' });
    expect(postgresSettings(512 * GB)).toMatchObject({ shared_buffers: '8192MB', work_mem: '64MB', maintenance_work_mem: '1024MB' });
  });

  it('are passed as -c flags', () => {
    expect(postgresSettingFlags({ shared_buffers: '512MB', work_mem: '4MB' })).toEqual(['-c', 'shared_buffers=512MB', '-c', 'work_mem=4MB']);
  });
});
