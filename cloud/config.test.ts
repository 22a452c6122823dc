import { describe, expect, it } from 'vitest';
import { DEFAULT_AVAILABILITY_DAYS, loadCloudConfig } from './config.js';

describe('cloud configuration from the environment', () => {
  it('has working defaults when nothing is set', () => {
    const config = loadCloudConfig({});
    expect(config).toMatchObject({ port: 8080, availabilityDays: DEFAULT_AVAILABILITY_DAYS, workers: true, storageMode: 'auto' });
  });

  it('reads the open-slots horizon and the workers switch', () => {
    expect(loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: '0', CLOUD_WORKERS: 'false' })).toMatchObject({ availabilityDays: 0, workers: false });
    expect(loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: '120', CLOUD_WORKERS: 'true' })).toMatchObject({ availabilityDays: 120, workers: true });
    expect(loadCloudConfig({})).toMatchObject({ reportWorker: true });
    expect(loadCloudConfig({ CLOUD_REPORT_WORKER: 'false' })).toMatchObject({ workers: true, reportWorker: false });
    expect(() => loadCloudConfig({ CLOUD_REPORT_WORKER: 'no' })).toThrow(/CLOUD_REPORT_WORKER must be true or false/);
  });

  it('refuses values it cannot use, naming the variable', () => {
    expect(() => loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: '-1' })).toThrow(/CLOUD_AVAILABILITY_DAYS must be an integer from 0 to 731/);
    expect(() => loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: 'nine weeks' })).toThrow(/CLOUD_AVAILABILITY_DAYS/);
    expect(() => loadCloudConfig({ CLOUD_WORKERS: 'yes' })).toThrow(/CLOUD_WORKERS must be true or false/);
  });
});
