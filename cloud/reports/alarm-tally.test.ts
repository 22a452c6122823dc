import { describe, expect, it } from 'vitest';
import { AlarmTally, median, type TallyEvent } from './alarm-tally.js';

const S = 1000;
const event = (at: number, key: string, phase: string, extra: Partial<TallyEvent> = {}): TallyEvent => ({
  at, key, phase, bed: 'B1', condition: 'SPO2_LOW', type: 'physiological', priority: 'PM', acknowledged: false, ...extra,
});

describe('AlarmTally', () => {
  it('counts starts per interval and priority, alarm time, and time to acknowledge per bed and condition', () => {
    const tally = new AlarmTally(0, 3600 * S, 1800 * S);
    tally.add(event(10 * S, 'a', 'start'));
    tally.add(event(40 * S, 'a', 'update', { acknowledged: true }));
    tally.add(event(100 * S, 'a', 'end', { acknowledged: true }));
    tally.add(event(2000 * S, 'b', 'start', { priority: 'PH' }));
    tally.add(event(2060 * S, 'b', 'update', { priority: 'PH', acknowledged: true }));
    tally.add(event(3000 * S, 'c', 'start', { bed: null, condition: 'SYNC_FAILING', type: 'technical', priority: 'PL' }));
    tally.add(event(50 * S, 'earlier', 'end')); // started before the period
    const result = tally.finish();
    expect(result.perInterval).toEqual({ PH: [0, 1], PM: [1, 0], PL: [0, 1] });
    expect(result.totals).toEqual({ PH: 1, PM: 1, PL: 1 });
    const [b1, station] = result.beds;
    expect(b1).toMatchObject({ bed: 'B1', total: 2, counts: { PH: 1, PM: 1, PL: 0 }, alarmMs: 90 * S + 1600 * S, medianAckMs: 45 * S, unacknowledged: 0 });
    expect(station).toMatchObject({ bed: null, total: 1, alarmMs: 600 * S, medianAckMs: null, unacknowledged: 1 });
    expect(result.ward).toMatchObject({ total: 3, counts: { PH: 1, PM: 1, PL: 1 }, alarmMs: 90 * S + 1600 * S + 600 * S, medianAckMs: 45 * S, unacknowledged: 1 });
    const sync = result.conditions.find((c) => c.condition === 'SYNC_FAILING')!;
    expect(sync).toMatchObject({ type: 'technical', beds: 0, stationWide: true, highest: 'PL' });
    expect(result.conditions.find((c) => c.condition === 'SPO2_LOW')).toMatchObject({ beds: 1, highest: 'PH', total: 2 });
  });

  it('sorts beds naturally, the station last', () => {
    const tally = new AlarmTally(0, 100 * S, 100 * S);
    for (const bed of ['10', null, '2', '1']) tally.add(event(S, `k${bed}`, 'start', { bed }));
    expect(tally.finish().beds.map((b) => b.bed)).toEqual(['1', '2', '10', null]);
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
