import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloudEnvSchema, DEFAULT_AVAILABILITY_DAYS, loadCloudConfig } from './config.js';

describe('cloud configuration from the environment', () => {
  it('has working defaults when nothing is set', () => {
    const config = loadCloudConfig({});
    expect(config).toMatchObject({ port: 8080, availabilityDays: DEFAULT_AVAILABILITY_DAYS, workers: true, storageMode: 'auto', trustProxy: false, databaseUrl: null });
    expect(config.reports).toEqual({ retentionMs: 168 * 3_600_000, leaseMs: 60_000, maxAttempts: 3, pollMs: 2000 });
    expect(config.notifications).toMatchObject({ smtp: null, sms: null, pollMs: 1000 });
    expect(config.video).toMatchObject({ provider: { kind: 'jitsi', secret: null }, pollMs: 5000 });
  });

  it('reads the open-slots horizon, the workers switch, the proxy trust and the workers\' settings', () => {
    expect(loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: '0', CLOUD_WORKERS: 'false' })).toMatchObject({ availabilityDays: 0, workers: false });
    expect(loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: '120', CLOUD_WORKERS: 'true', CLOUD_TRUST_PROXY: 'true' })).toMatchObject({ availabilityDays: 120, workers: true, trustProxy: true });
    expect(loadCloudConfig({ CLOUD_REPORT_POLL_MS: '600000', CLOUD_SMTP_HOST: 'mail.clinic.test', CLOUD_SMTP_SECURE: 'true' })).toMatchObject({
      reports: { pollMs: 600_000 },
      notifications: { smtp: { host: 'mail.clinic.test', port: 587, secure: true } },
    });
    // Empty is unset, as a shell's `VAR=` means.
    expect(loadCloudConfig({ CLOUD_PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 8080, databaseUrl: null });
    expect(loadCloudConfig({ CLOUD_REPORT_WORKER: 'false' })).toMatchObject({ workers: true, reportWorker: false });
    expect(() => loadCloudConfig({ CLOUD_REPORT_WORKER: 'no' })).toThrow(/CLOUD_REPORT_WORKER must be true or false/);
    expect(loadCloudConfig({})).toMatchObject({ metrics: { host: '127.0.0.1', port: null } });
    expect(loadCloudConfig({ CLOUD_METRICS_PORT: '9464', CLOUD_METRICS_HOST: '10.0.0.5' })).toMatchObject({ metrics: { host: '10.0.0.5', port: 9464 } });
  });

  it('refuses values it cannot use, naming the variable and what it accepts', () => {
    expect(() => loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: '-1' })).toThrow(/^CLOUD_AVAILABILITY_DAYS must be an integer from 0 to 731 \(got -1\)$/);
    expect(() => loadCloudConfig({ CLOUD_AVAILABILITY_DAYS: 'nine weeks' })).toThrow(/CLOUD_AVAILABILITY_DAYS/);
    expect(() => loadCloudConfig({ CLOUD_WORKERS: 'yes' })).toThrow(/^CLOUD_WORKERS must be true or false \(got yes\)$/);
    expect(() => loadCloudConfig({ CLOUD_TRUST_PROXY: '1' })).toThrow(/^CLOUD_TRUST_PROXY must be true or false/);
    expect(() => loadCloudConfig({ CLOUD_STORAGE_MODE: 'mongo' })).toThrow(/^CLOUD_STORAGE_MODE must be auto, timescaledb or native \(got mongo\)$/);
    expect(() => loadCloudConfig({ CLOUD_VIDEO_PROVIDER: 'http' })).toThrow(/CLOUD_VIDEO_PROVIDER=http needs CLOUD_VIDEO_HTTP_URL/);
    expect(() => loadCloudConfig({ CLOUD_NOTIFY_POLL_MS: '10' })).toThrow(/^CLOUD_NOTIFY_POLL_MS must be an integer from 50 to 60000/);
  });

  it('reads a number only when the whole text is one: no silent 7 from "7.5", 1 from "1e1" or 5 from "0x5"', () => {
    for (const text of ['7.5', '1e1', '0x5', ' 7', '7 days']) {
      expect(() => loadCloudConfig({ CLOUD_REPORT_MAX_ATTEMPTS: text })).toThrow(`CLOUD_REPORT_MAX_ATTEMPTS must be an integer from 1 to 20 (got ${text})`);
    }
  });

  it('never repeats a text value in its error: it may be a password or a URL holding one', () => {
    const error = (() => {
      try {
        loadCloudConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/ward' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toBe('DATABASE_URL must be a postgres:// URL');
  });

  it('every variable it reads is in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(CloudEnvSchema.properties).filter((name) => !readme.includes(name));
    expect(missing).toEqual([]);
  });
});
