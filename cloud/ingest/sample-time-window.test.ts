import { describe, expect, it } from 'vitest';
import { splitBySampleTime } from './sample-time-window.js';

const NOW = Date.UTC(2026, 11, 3, 8, 0, 0);
const obs = (id: number, ts: number) => ({ id, deviceId: 'm', bedId: null, ts, patient: null, vitals: { HR: 60 } });

describe('sample time window', () => {
  it('accepts up to 5 minutes ahead and back to the retention, refuses the rest with a reason per row', () => {
    const batch = {
      observations: [obs(1, NOW), obs(2, NOW + 5 * 60_000), obs(3, NOW + 5 * 60_000 + 1), obs(4, Date.UTC(2099, 0, 1)), obs(5, NOW - 90 * 86_400_000), obs(6, NOW - 91 * 86_400_000)],
      alarmEvents: [],
    };
    const { accepted, refused } = splitBySampleTime(batch, NOW, { retentionDays: 90 });
    expect(accepted.observations.map((o) => o.id)).toEqual([1, 2, 5]);
    expect(refused.map((r) => [r.id, r.reason])).toEqual([[3, 'future'], [4, 'future'], [6, 'too_old']]);
    expect(refused[1]!.message).toContain('2099-01-01');
  });

  it('judges alarm events by their time too, and returns the batch itself when all is well', () => {
    const event = { id: 9, alarmId: 'a', phase: 'start' as const, at: NOW + 3600_000, condition: 'HR_HIGH', type: 'physiological' as const, priority: 'PH' as const, state: 's', inactivation: 'none', bedId: null, deviceId: null, patient: null, value: null, limit: null, actor: null, reason: null };
    expect(splitBySampleTime({ observations: [], alarmEvents: [event] }, NOW, { retentionDays: 90 }).refused).toMatchObject([{ stream: 'alarmEvents', id: 9, reason: 'future' }]);
    const fine = { observations: [obs(1, NOW)], alarmEvents: [] };
    expect(splitBySampleTime(fine, NOW, { retentionDays: 90 }).accepted).toBe(fine);
  });
});
