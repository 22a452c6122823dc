import type { IngestSink } from '../domain/ingest-sink.js';
import type { Transport } from '../domain/device.js';
import { deviceClockFault, type ClockFault } from '../protocol/device-time.js';

/**
 * Applies the device-time rule (`protocol/device-time.ts`) for one transport and keeps the
 * `clock_fault` technical condition of each device: raised with the first refused reading,
 * cleared by the next reading in bounds, reported only when it changes (one event, not one a
 * second).
 */
export class ClockFaults {
  private readonly faulty = new Set<string>();

  constructor(
    private readonly sink: IngestSink,
    private readonly transport: Transport,
  ) {}

  /** True when the reading's time is acceptable; false when it must be refused (counted and reported). */
  check(deviceId: string, ts: number, receivedAt: number): boolean {
    const fault = deviceClockFault(ts, receivedAt);
    if (fault) this.refused(deviceId, fault);
    else this.accepted(deviceId);
    return fault === null;
  }

  /** A reading refused for its time (where the transport judged it already). */
  refused(deviceId: string, fault: ClockFault): void {
    this.sink.rejected(deviceId, this.transport, 'ts_out_of_bounds');
    if (this.faulty.has(deviceId)) return;
    this.faulty.add(deviceId);
    this.sink.technical({ deviceId, kind: 'clock_fault', active: true, detail: fault });
  }

  /** A reading whose time is in bounds: ends the device's clock fault, if any. */
  accepted(deviceId: string): void {
    if (this.faulty.delete(deviceId)) this.sink.technical({ deviceId, kind: 'clock_fault', active: false });
  }
}
