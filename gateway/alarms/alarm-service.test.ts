import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../storage/database.js';
import { silentLogger } from '../log.js';
import type { AlarmEvent } from '../protocol/alarm-types.js';
import { AlarmLog } from './alarm-log.js';
import { AlarmService, type AlarmRecorder } from './alarm-service.js';
import { DEFAULT_ALARM_CONFIG } from './alarm-rules.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('alarm service', () => {
  it('puts an alarm on screen before it is persisted, and never waits for a stalled store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-alarms-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'station.db'));
    const order: string[] = [];
    let release: () => void = () => undefined;
    const stored = new AlarmLog(db);
    // A recorder whose disk is stalled until released, the way the writer thread is under overload.
    const stalled: AlarmRecorder = {
      record(events, snapshot, now) {
        order.push(`record ${events.length}`);
        return new Promise<void>((resolve) => {
          release = () => {
            stored.record(events, snapshot, now);
            resolve();
          };
        });
      },
    };
    const alarms = new AlarmService(db, silentLogger(), DEFAULT_ALARM_CONFIG, Date.now, stalled);
    const onScreen: AlarmEvent[] = [];
    alarms.onChange((events) => {
      order.push(`screen ${events.length}`);
      onScreen.push(...events);
    });

    alarms.sample('B1', 7, 'mon-1', { HR: 170 });

    expect(onScreen.map((e) => `${e.phase} ${e.alarm.condition}`)).toEqual(['start HR_HIGH']);
    expect(order).toEqual(['screen 1', 'record 1']);
    expect(db.prepare('SELECT count(*) AS n FROM alarm_events').get()).toEqual({ n: 0 });
    release();
    await alarms.persisted();
    expect(db.prepare('SELECT condition, phase FROM alarm_events').all()).toEqual([{ condition: 'HR_HIGH', phase: 'start' }]);
    db.close();
  });

  it('while a write is under way, later events wait for the next one: one state write per round, not a queue of snapshots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-alarms-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'station.db'));
    const writes: Array<{ events: number; release: () => void }> = [];
    const slow: AlarmRecorder = {
      record(events) {
        return new Promise<void>((resolve) => writes.push({ events: events.length, release: resolve }));
      },
    };
    const alarms = new AlarmService(db, silentLogger(), DEFAULT_ALARM_CONFIG, Date.now, slow);
    let shown = 0;
    alarms.onChange((events) => (shown += events.length));

    alarms.sample('B1', 7, 'mon-1', { HR: 170 });
    for (let i = 0; i < 20; i++) alarms.setLimits(`B${i + 2}`, 'HR', { low: 40, high: 100 + i }, 'nurse:ann');
    alarms.sample('B2', 8, 'mon-2', { HR: 170 });
    expect(shown).toBeGreaterThanOrEqual(2);
    expect(writes.map((w) => w.events)).toEqual([1]);

    writes[0]!.release();
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Everything that happened during the first write goes in one second write.
    expect(writes.map((w) => w.events)).toEqual([1, shown - 1]);
    writes[1]!.release();
    await alarms.persisted();
    expect(writes).toHaveLength(2);
    db.close();
  });
});
