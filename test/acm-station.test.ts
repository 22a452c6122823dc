import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ForwarderEvent } from '../gateway/acm/acm-forwarder.js';
import { frameMllp } from '../gateway/ingest/hl7/mllp-framing.js';
import { parseHl7 } from '../gateway/ingest/hl7/parse-message.js';
import { silentLogger } from '../gateway/log.js';
import { startStation } from '../gateway/station.js';
import { AcmReceiver, unusedPort } from './helpers/acm-receiver.js';
import { cli } from './helpers/gateway-process.js';
import { datedYesterday } from './helpers/hl7-dates.js';
import { tempDir, testConfig } from './helpers/station-fixture.js';

describe('a station configured with an ACM', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('raises an HL7 monitor alarm on its own while the ACM is down, and forwards it with patient and bed once the ACM is up', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const port = await unusedPort();
    writeFileSync(join(dir.path, 'station.json'), JSON.stringify({ stationName: 'Ward 3', acm: { host: '127.0.0.1', port, sendingFacility: 'NORTH', ackTimeoutSeconds: 300 } }));
    const station = await startStation(testConfig(dir.path, { mllp: true }), silentLogger());
    cleanups.push(() => station.stop());
    station.ward.addBed('B1', 'Bed 1', 't');
    station.ward.admit({ bedId: 'B1', mrn: 'MRN0042', name: 'John Doe' }, 't');
    station.registry.register({ id: 'HL7MON', model: 'HL7 monitor', transport: 'hl7', bedId: 'B1' }, 't');

    const events: ForwarderEvent[] = [];
    let wake: () => void = () => undefined;
    station.acm!.forwarder.onEvent((event) => {
      events.push(event);
      wake();
    });
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise<void>((resolve) => (wake = resolve));
    };
    const raised = new Promise<void>((resolve) => station.alarms.onChange((e) => e.some((x) => x.alarm.condition === 'HR_HIGH') && resolve()));

    const monitor = connect(station.mllpPort!, '127.0.0.1');
    cleanups.push(() => void monitor.destroy());
    monitor.write(frameMllp(datedYesterday('MSH|^~\\&|HL7MON|ICU|||20261124101500+0000||ORU^R01|M1|P|2.6\rPID|||MRN0042\rOBR|1||||||20261124101500+0000\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1|165|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F\r')));
    await raised;
    expect(station.alarms.view().audio.sounding).toBe('high');
    // The ACM refuses connections: the alarm sounds locally all the same, and waits in the queue.
    await until(() => events.some((e) => e.type === 'retrying'));
    expect(station.acm!.forwarder.summary().queued.primary).toBe(1);
    expect(station.healthReport().acm).toEqual({ enabled: true, queued: 1, failed: 0, failing: false });

    const receiver = new AcmReceiver();
    cleanups.push(() => receiver.stop());
    await receiver.start(port);
    await until(() => events.some((e) => e.type === 'delivered'));
    const message = parseHl7(receiver.received[0]!.text);
    const segment = (name: string) => message.segments.find((s) => s.name === name)!;
    expect(segment('PID').get(3)).toBe('MRN0042');
    expect(segment('PID').get(5)).toBe('John Doe');
    expect(segment('PV1').raw(3)).toBe('Ward 3^^Bed 1^NORTH');
    expect(message.segments.find((s) => s.name === 'OBX')!.raw(3)).toBe('196648^MDC_EVT_HI^MDC');
    expect(station.acm!.forwarder.summary().queued.primary).toBe(0);
    expect(station.healthReport().acm).toMatchObject({ enabled: true, queued: 0 });

    // Later the ACM reports what became of it; IT sees it with `acm status`, without patient data.
    receiver.sendStatus(receiver.received[0]!.controlId, 'Read at endpoint');
    await until(() => events.some((e) => e.type === 'status'));
    const status = cli<{ queued: { primary: number }; messages: Array<{ controlId: string; state: string; status: string; phase: string; priority: string }> }>(dir.path, 'acm', 'status');
    expect(status.queued.primary).toBe(0);
    expect(status.messages).toEqual([expect.objectContaining({ controlId: receiver.received[0]!.controlId, state: 'delivered', status: 'read', phase: 'start', priority: 'PH' })]);
    expect(JSON.stringify(status)).not.toMatch(/MRN0042|John Doe/);
  });

  it('is off by default', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    expect(testConfig(dir.path).acm).toBeNull();
  });
});
