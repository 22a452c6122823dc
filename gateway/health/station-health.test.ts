import { describe, expect, it } from 'vitest';
import { healthReport, type HealthInputs } from './station-health.js';

const NOW = 1_800_000_000_000;
const healthy: HealthInputs = {
  startedAt: NOW - 60_000,
  storage: { bytes: 100 * 1024 * 1024, budgetBytes: 1024 * 1024 * 1024, nearBudget: false },
  storageFailing: false,
  devices: [
    { id: 'mon-1', state: 'connected', lastSeen: NOW - 1000 },
    { id: 'mon-2', state: 'disconnected', lastSeen: NOW - 3_600_000 },
  ],
  refusedConnections: 2,
  rejectedFrames: 5,
  sync: { enabled: true, queuedRows: 40, lastSuccessAt: NOW - 12_000, consecutiveFailures: 0, lastError: null },
  alarmLastTickAt: NOW - 400,
};

describe('station health report', () => {
  it('reports storage, devices, sync and the alarm tick of a healthy station', () => {
    const report = healthReport(healthy, NOW);
    expect(report.status).toBe('ok');
    expect(report.problems).toEqual([]);
    expect(report.uptimeSeconds).toBe(60);
    expect(report.storage).toEqual({ failing: false, bytes: 100 * 1024 * 1024, budgetBytes: 1024 * 1024 * 1024, usedFraction: 0.098, nearBudget: false });
    expect(report.devices).toEqual({ registered: 2, connected: 1, silent: [], refusedConnections: 2, rejectedFrames: 5 });
    expect(report.sync).toEqual({ enabled: true, backlogRows: 40, lastSuccessAt: NOW - 12_000, lastSuccessAgeSeconds: 12, consecutiveFailures: 0, lastError: null });
    expect(report.alarms).toEqual({ lastTickAt: NOW - 400, lastTickAgeMs: 400 });
    expect(report.acm).toEqual({ enabled: false, queued: 0, failed: 0, failing: false });
  });

  it('warns when alarm forwarding to the ACM is failing', () => {
    expect(healthReport({ ...healthy, acm: { queued: 3, failed: 1, failing: false } }, NOW)).toMatchObject({ status: 'ok', acm: { enabled: true, queued: 3, failed: 1, failing: false } });
    expect(healthReport({ ...healthy, acm: { queued: 3, failed: 1, failing: true } }, NOW)).toMatchObject({ status: 'warning', problems: ['alarm forwarding to the ACM is failing'] });
  });

  it('is critical when the alarm engine stalls or storage fails', () => {
    expect(healthReport({ ...healthy, alarmLastTickAt: NOW - 10_000 }, NOW)).toMatchObject({ status: 'critical', problems: ['alarm engine last ticked 10 s ago'] });
    expect(healthReport({ ...healthy, storageFailing: true }, NOW)).toMatchObject({ status: 'critical', problems: ['storage commits are failing'] });
  });

  it('warns of silent devices, a disk near its budget and a failing sync, and keeps critical above warning', () => {
    const report = healthReport(
      {
        ...healthy,
        devices: [{ id: 'mon-1', state: 'connected', lastSeen: NOW - 45_000 }],
        storage: { ...healthy.storage, nearBudget: true },
        sync: { ...healthy.sync, consecutiveFailures: 7, lastError: 'ECONNREFUSED' },
      },
      NOW,
    );
    expect(report.status).toBe('warning');
    expect(report.devices.silent).toEqual(['mon-1']);
    expect(report.problems).toHaveLength(3);
    expect(healthReport({ ...healthy, storage: { ...healthy.storage, nearBudget: true }, storageFailing: true }, NOW).status).toBe('critical');
  });
});
