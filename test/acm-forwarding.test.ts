import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { acmConfig, type AcmConfig, type AcmConfigFile } from '../gateway/acm/acm-config.js';
import { AcmForwarder, type ForwarderEvent } from '../gateway/acm/acm-forwarder.js';
import { AcmOutbox } from '../gateway/acm/acm-outbox.js';
import { AlarmService } from '../gateway/alarms/alarm-service.js';
import { DEFAULT_ALARM_CONFIG } from '../gateway/alarms/alarm-rules.js';
import { silentLogger } from '../gateway/log.js';
import { openDatabase } from '../gateway/storage/database.js';
import { AcmReceiver, unusedPort } from './helpers/acm-receiver.js';
import { tempDir } from './helpers/station-fixture.js';

const PLACE = { bedLabel: 'Bed 1', patient: { mrn: 'MRN0042', name: 'John Doe', birthDate: '1950-02-01' } };
const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

/** An alarm service and a forwarder on a real SQLite file, wired as the station wires them. */
class Rig {
  readonly db: Database;
  readonly alarms: AlarmService;
  readonly forwarder: AcmForwarder;
  /** Screens first, then the forwarder: in the order they happened. */
  readonly order: string[] = [];
  readonly events: ForwarderEvent[] = [];
  private waiters: Array<() => void> = [];

  constructor(
    readonly path: string,
    config: AcmConfig,
    readonly clock: { now: number } = { now: T0 },
  ) {
    this.db = openDatabase(path);
    // As in the station: the forwarder's connection never waits for another writer's lock.
    this.db.pragma('busy_timeout = 0');
    const now = () => this.clock.now;
    this.alarms = new AlarmService(this.db, silentLogger(), DEFAULT_ALARM_CONFIG, now);
    this.forwarder = new AcmForwarder(config, { db: this.db, placeOf: () => PLACE, logger: silentLogger(), now, random: () => 1 }, 'Ward 3');
    this.alarms.onChange((events) => {
      for (const event of events) this.order.push(`screen ${event.phase} ${event.alarm.condition}`);
    });
    this.alarms.onChange(this.forwarder.onAlarmEvents);
    this.forwarder.onEvent((event) => {
      this.events.push(event);
      this.order.push(`${event.type} ${'recipient' in event ? event.recipient : ''}`.trim());
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.forwarder.start(0);
  }

  count(type: ForwarderEvent['type'], recipient?: string): number {
    return this.events.filter((e) => e.type === type && (!recipient || ('recipient' in e && e.recipient === recipient))).length;
  }

  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  alarmId(condition: string): string {
    return this.alarms.view().present.find((a) => a.condition === condition)!.id;
  }

  alarmAt(bedId: string): string {
    return this.alarms.view().present.find((a) => a.bedId === bedId)!.id;
  }

  states(): Array<{ recipient: string; phase: string; state: string; attempts: number }> {
    return this.db.prepare('SELECT recipient, phase, state, attempts FROM acm_messages ORDER BY id').all() as Array<{ recipient: string; phase: string; state: string; attempts: number }>;
  }

  async close(): Promise<void> {
    await this.forwarder.stop();
    this.alarms.stop();
    this.db.close();
  }
}

/** Test timing: quick backoff, and an ACK wait long enough never to expire on a busy machine. */
function config(file: AcmConfigFile): AcmConfig {
  return { ...acmConfig({ ackTimeoutSeconds: 300, ...file })!, backoff: { baseMs: 5, capMs: 40 } };
}

describe('alarm forwarding to an ACM (ORU^R40 over MLLP)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function track<T extends { close(): Promise<void> } | { stop(): Promise<void> }>(thing: T): T {
    cleanups.push(() => ('close' in thing ? thing.close() : thing.stop()));
    return thing;
  }

  function dataFile(): string {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    return join(dir.path, 'station.db');
  }

  it('raises the local alarm while the ACM is down, then delivers the queue in order once it is up', async () => {
    const port = await unusedPort();
    const rig = track(new Rig(dataFile(), config({ host: '127.0.0.1', port })));

    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    // On screen before the forwarder has even queued it: forwarding happens on a later turn.
    expect(rig.order).toEqual(['screen start HR_HIGH']);
    expect(rig.alarms.view().present.map((a) => a.condition)).toEqual(['HR_HIGH']);

    rig.alarms.technical({ deviceId: 'MON-1', kind: 'sensor_off', active: true }, 'B1');
    rig.alarms.acknowledge(rig.alarmId('HR_HIGH'), 'nurse:ann', null);
    await rig.until(() => rig.count('retrying') >= 2);
    // Each alarm reached the screen before its message was queued, and the ACM was refused.
    expect(rig.order.slice(0, 4)).toEqual(['screen start HR_HIGH', 'screen start SENSOR_OFF', 'screen update HR_HIGH', 'queued primary']);
    expect(rig.count('delivered')).toBe(0);

    const receiver = track(new AcmReceiver());
    await receiver.start(port);
    await rig.until(() => rig.count('delivered') === 3);
    expect(receiver.received.map((r) => r.phase)).toEqual(['start', 'start', 'update']);
    const queuedIds = rig.events.filter((e) => e.type === 'queued').map((e) => e.controlId);
    expect(receiver.received.map((r) => r.controlId)).toEqual(queuedIds);
    expect(receiver.received[0]!.text).toContain('196648^MDC_EVT_HI^MDC');
    expect(receiver.received[0]!.text).toContain('PID|||MRN0042^^^WARD^MR||John Doe||19500201');
    expect(receiver.received[2]!.text).toContain('|alert-acknowledged|');
    expect(rig.states().map((s) => s.state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('reports failing once a recipient has been unreachable for 30 s, and recovers on delivery', async () => {
    const port = await unusedPort();
    const clock = { now: T0 };
    const rig = track(new Rig(dataFile(), config({ host: '127.0.0.1', port }), clock));
    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    await rig.until(() => rig.count('retrying') >= 1);
    expect(rig.forwarder.failing()).toBe(false);
    clock.now = T0 + 29_999;
    expect(rig.forwarder.failing()).toBe(false);
    clock.now = T0 + 30_000;
    expect(rig.forwarder.failing()).toBe(true);

    const receiver = track(new AcmReceiver());
    await receiver.start(port);
    await rig.until(() => rig.count('delivered') === 1);
    expect(rig.forwarder.failing()).toBe(false);
  });

  it('waits for each ACK of a slow ACM before the next message, while local alarms go on', async () => {
    const receiver = track(new AcmReceiver());
    receiver.answer = 'hold';
    const rig = track(new Rig(dataFile(), config({ host: '127.0.0.1', port: await receiver.start() })));

    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    await receiver.until(() => receiver.received.length === 1);
    // The ACM has not answered: a new alarm is on screen at once all the same.
    rig.alarms.sample('B1', 7, 'MON-1', { NIBP_SYS: 210 });
    expect(rig.order.at(-1)).toBe('screen start NIBP_SYS_HIGH');
    await rig.until(() => rig.count('queued') === 2);

    receiver.release();
    await receiver.until(() => receiver.received.length === 2);
    receiver.release();
    await rig.until(() => rig.count('delivered') === 2);
    const [first, second] = receiver.received.map((r) => r.controlId);
    expect(receiver.log).toEqual([`received ${first}`, `acked ${first} AA`, `received ${second}`, `acked ${second} AA`]);
  });

  it('retries on AE within its budget, gives up on AR at once, and goes on with the next alarm', async () => {
    const receiver = track(new AcmReceiver());
    receiver.answers.push('AE', 'AA', 'AE', 'AE', 'AR', 'AA');
    const rig = track(new Rig(dataFile(), config({ host: '127.0.0.1', port: await receiver.start(), maxErrorAttempts: 2 })));

    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    rig.alarms.sample('B2', 8, 'MON-2', { HR: 170 });
    rig.alarms.sample('B3', 9, 'MON-3', { HR: 175 });
    rig.alarms.sample('B4', 10, 'MON-4', { HR: 180 });
    await rig.until(() => rig.count('delivered') + rig.count('failed') === 4);

    const ids = rig.events.filter((e) => e.type === 'queued').map((e) => e.controlId);
    // Message 1: AE then AA. Message 2: AE twice, the budget: given up. Message 3: AR. Message 4: AA.
    expect(receiver.received.map((r) => ids.indexOf(r.controlId) + 1)).toEqual([1, 1, 2, 2, 3, 4]);
    expect(rig.states()).toEqual([
      { recipient: 'primary', phase: 'start', state: 'delivered', attempts: 1 },
      { recipient: 'primary', phase: 'start', state: 'failed', attempts: 2 },
      { recipient: 'primary', phase: 'start', state: 'failed', attempts: 1 },
      { recipient: 'primary', phase: 'start', state: 'delivered', attempts: 0 },
    ]);
    expect(rig.forwarder.summary()).toMatchObject({ queued: { primary: 0, escalation: 0 }, failed: 2 });
    // Done messages are pruned once older than the keep time (the clock stands at T0).
    const outbox = new AcmOutbox(rig.db);
    expect(outbox.prune(T0)).toBe(0);
    expect(outbox.prune(T0 + 1)).toBe(4);
  });

  it('answers what an ACM should not send with AR, ignores stray ACKs, and goes on delivering', async () => {
    const receiver = track(new AcmReceiver());
    const rig = track(new Rig(dataFile(), config({ host: '127.0.0.1', port: await receiver.start() })));
    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    await rig.until(() => rig.count('delivered') === 1);

    receiver.sendRaw('not HL7 at all');
    receiver.sendRaw('MSH|^~\\&|ACM|HOSP|||20261203||ADT^A01|X1|P|2.6\rPID|||M1\r');
    receiver.sendRaw('MSH|^~\\&|ACM|HOSP|||20261203||ACK^R40|X2|P|2.6\rMSA|AA|NOT-OURS\r');
    receiver.sendRaw('MSH|^~\\&|ACM|HOSP|||20261203||ORA^R41|X3|P|2.6\rMSA|AA|NEVER-SENT\rOBX|1|ST|S||Read\r');
    await receiver.until(() => receiver.log.filter((l) => l.startsWith('station-ack')).length === 3);
    expect(receiver.log.filter((l) => l.startsWith('station-ack'))).toEqual(['station-ack  AR', 'station-ack X1 AR', 'station-ack X3 AA']);
    // A status about a message never sent is kept (for review) but names no alarm.
    await rig.until(() => rig.count('status') === 1);
    expect(rig.events.find((e) => e.type === 'status')).toMatchObject({ controlId: 'NEVER-SENT', alarmId: null, status: 'read' });

    rig.alarms.sample('B2', 8, 'MON-2', { HR: 170 });
    await rig.until(() => rig.count('delivered') === 2);
    expect(receiver.received).toHaveLength(2);
  });

  it('does not wait for, nor lose events to, another connection holding the write lock', async () => {
    const receiver = track(new AcmReceiver());
    const path = dataFile();
    const rig = track(new Rig(path, config({ host: '127.0.0.1', port: await receiver.start() })));
    const writer = openDatabase(path);
    cleanups.push(() => void writer.close());
    writer.exec('BEGIN IMMEDIATE');

    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    // The forwarder's turn comes and goes while the lock is held: the event loop is not blocked.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rig.count('queued')).toBe(0);
    writer.exec('COMMIT');

    await rig.until(() => rig.count('delivered') === 1);
    expect(receiver.received.map((r) => r.phase)).toEqual(['start']);
  });

  it('keeps the queue across a restart and delivers it, in order, with the same control ids', async () => {
    const path = dataFile();
    const port = await unusedPort();
    const before = new Rig(path, config({ host: '127.0.0.1', port }));
    before.alarms.sample('B1', 7, 'MON-1', { HR: 165 });
    before.alarms.sample('B2', 8, 'MON-2', { NIBP_SYS: 210 });
    await before.until(() => before.count('queued') === 2 && before.count('retrying') >= 1);
    const queuedIds = before.events.filter((e) => e.type === 'queued').map((e) => e.controlId);
    // Queued messages are never pruned, however old.
    expect(new AcmOutbox(before.db).prune(T0 + 365 * 24 * 3600_000)).toBe(0);
    await before.close();

    const receiver = track(new AcmReceiver());
    await receiver.start(port);
    const after = track(new Rig(path, config({ host: '127.0.0.1', port })));
    await after.until(() => after.count('delivered') === 2);
    expect(receiver.received.map((r) => r.controlId)).toEqual(queuedIds);
    expect(after.states().map((s) => s.state)).toEqual(['delivered', 'delivered']);
  });

  it('escalates an unacknowledged high alarm to the second recipient after its delay, and only that one', async () => {
    const primary = track(new AcmReceiver());
    const second = track(new AcmReceiver());
    const clock = { now: T0 };
    const rig = track(
      new Rig(
        dataFile(),
        config({ host: '127.0.0.1', port: await primary.start(), escalation: { host: '127.0.0.1', port: await second.start(), afterSeconds: { high: 30 } } }),
        clock,
      ),
    );

    rig.alarms.sample('B1', 7, 'MON-1', { HR: 165 }); // high: escalates after 30 s
    rig.alarms.sample('B2', 8, 'MON-2', { NIBP_SYS: 170 }); // medium: never escalates
    rig.alarms.sample('B3', 9, 'MON-3', { HR: 170 }); // high, acknowledged in time
    rig.alarms.sample('B4', 10, 'MON-4', { HR: 175 }); // high, accepted by the recipient at the ACM
    await rig.until(() => rig.count('delivered', 'primary') === 4);
    const b1 = rig.alarmAt('B1');
    rig.alarms.acknowledge(rig.alarmAt('B3'), 'nurse:ann', null);
    const b4Message = primary.received.find((r) => r.alarmId === rig.alarmAt('B4'))!;
    primary.sendStatus(b4Message.controlId, 'Accepted by user');
    await rig.until(() => rig.count('status') === 1 && rig.count('delivered', 'primary') === 5);
    // The station acknowledges the status update (MSA-2 names the ORA^R41's own control id).
    await primary.until(() => primary.log.includes(`station-ack ST${b4Message.controlId} AA`));

    clock.now = T0 + 29_999;
    rig.forwarder.checkEscalations();
    expect(rig.count('queued', 'escalation')).toBe(0);

    clock.now = T0 + 30_000;
    rig.forwarder.checkEscalations();
    expect(rig.count('queued', 'escalation')).toBe(1);
    await rig.until(() => rig.count('delivered', 'escalation') === 1);
    expect(second.received).toHaveLength(1);
    expect(second.received[0]).toMatchObject({ alarmId: b1, phase: 'escalate' });

    // Once escalated, the second recipient hears the rest of the alarm's story too.
    rig.alarms.acknowledge(b1, 'nurse:ann', null);
    await rig.until(() => rig.count('delivered', 'escalation') === 2);
    expect(second.received[1]).toMatchObject({ alarmId: b1, phase: 'update' });
    expect(second.received[1]!.text).toContain('|alert-acknowledged|');

    clock.now = T0 + 600_000;
    rig.forwarder.checkEscalations();
    expect(rig.count('queued', 'escalation')).toBe(2);
    const stored = rig.db.prepare('SELECT status, alarm_id AS alarmId FROM acm_status_updates').all();
    expect(stored).toEqual([{ status: 'accepted', alarmId: b4Message.alarmId }]);
  });
});
