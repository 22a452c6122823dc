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
});
