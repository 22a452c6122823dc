import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlarmPriority } from '../protocol/alarm-types.js';
import type { HealthReport } from './station-health.js';

/**
 * Prometheus metrics of one station, served at GET /metrics beside /health. Gauges are read from
 * the health report at scrape time; the ingest counter and the ack latency histogram are fed as
 * frames are stored. No label ever carries a patient or a device key.
 */
export class StationMetrics {
  readonly registry = new Registry();
  private readonly stored: Counter;
  private readonly ackLatency: Histogram;

  constructor(report: () => HealthReport, activeAlarms: () => Record<AlarmPriority, number>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ward_station_' });
    this.stored = new Counter({ name: 'ward_station_frames_stored_total', help: 'Device frames committed (each then acknowledged)', registers: [this.registry] });
    this.ackLatency = new Histogram({
      name: 'ward_station_ack_latency_seconds',
      help: 'From receipt of a frame to its commit (the acknowledgement follows at once)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    const gauge = (name: string, help: string, read: (r: HealthReport) => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read(report())); } });
    gauge('ward_station_sync_backlog_rows', 'Rows waiting for the cloud', (r) => r.sync.backlogRows);
    gauge('ward_station_storage_bytes', 'Bytes used by the station database', (r) => r.storage.bytes);
    gauge('ward_station_storage_budget_bytes', 'Disk budget of the station database', (r) => r.storage.budgetBytes);
    gauge('ward_station_devices_connected', 'Devices connected now', (r) => r.devices.connected);
    gauge('ward_station_alarm_tick_age_seconds', 'Time since the alarm engine last ticked', (r) => (r.alarms.lastTickAgeMs ?? 0) / 1000);
    new Gauge({
      name: 'ward_station_alarms_active',
      help: 'Alarms present now, by priority',
      labelNames: ['priority'],
      registers: [this.registry],
      collect() {
        for (const [priority, count] of Object.entries(activeAlarms())) this.set({ priority }, count);
      },
    });
  }

  /** Called when a frame's commit settles; `receivedAt` from performance.now(). */
  frameStored(receivedAt: number): void {
    this.stored.inc();
    this.ackLatency.observe((performance.now() - receivedAt) / 1000);
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
