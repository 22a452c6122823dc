import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceClient } from '../gateway/demo/device-client.js';
import type { HealthReport } from '../gateway/health/station-health.js';
import type { Station } from '../gateway/station.js';
import { startTestStation } from './helpers/station-fixture.js';

/** Resolves once the station's alarm engine has ticked (it ticks every second). */
function firstTick(station: Station): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => void (station.alarms.lastTickAt !== null ? resolve() : setTimeout(check, 20));
    check();
  });
}

describe('station health endpoint', () => {
  let fixture: Awaited<ReturnType<typeof startTestStation>>;
  let url: string;
  beforeAll(async () => {
    fixture = await startTestStation();
    url = `http://127.0.0.1:${fixture.station.health.port}`;
  });
  afterAll(() => fixture.stop());

  it('listens on loopback only by default', () => {
    expect(fixture.station.config.health.host).toBe('127.0.0.1');
  });

  it('reports storage, devices connected and refused, sync backlog and the alarm tick', async () => {
    const { registry, ward } = fixture.station;
    ward.addBed('B1', 'Bed 1', 'test');
    const { key } = registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 'test');
    const client = new DeviceClient({ url: `ws://127.0.0.1:${fixture.station.devicePort}/devices`, key: key!, reconnect: false });
    await client.connect();
    await client.acked(client.send({ HR: 72 }));
    await expect(new DeviceClient({ url: `ws://127.0.0.1:${fixture.station.devicePort}/devices`, key: 'wsk_not-a-key', reconnect: false }).connect()).rejects.toThrow(/HTTP 401/);
    await firstTick(fixture.station);

    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const report = (await response.json()) as HealthReport;
    expect(report.status).toBe('ok');
    expect(report.storage.bytes).toBeGreaterThan(0);
    expect(report.storage.budgetBytes).toBe(fixture.station.config.storage.diskBudgetMb * 1024 * 1024);
    expect(report.devices).toMatchObject({ registered: 1, connected: 1, silent: [], refusedConnections: 1 });
    // No cloud configured: nothing syncs, and the backlog says what is waiting for one.
    expect(report.sync).toMatchObject({ enabled: false, backlogRows: 1, lastSuccessAt: null });
    expect(report.alarms.lastTickAt).not.toBeNull();
    expect(JSON.stringify(report)).not.toMatch(/Bed 1|wsk_/);
    await client.close();
  });

  it('serves Prometheus metrics: ingest, ack latency, alarms by priority, sync backlog', async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^ward_station_frames_stored_total 1$/m);
    expect(text).toMatch(/^ward_station_ack_latency_seconds_count 1$/m);
    expect(text).toMatch(/^ward_station_alarms_active\{priority="high"\} \d+$/m);
    expect(text).toMatch(/^ward_station_sync_backlog_rows 1$/m);
    expect(text).toMatch(/^ward_station_devices_connected 0$/m);
  });

  it('answers only GET /health and /metrics', async () => {
    expect((await fetch(`${url}/health`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
