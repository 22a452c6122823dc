import { describe, expect, it } from 'vitest';
import type { Alarm } from '../protocol/alarm-types.js';
import type { Escalation } from './acm-outbox.js';
import { acceptedAtAcm, escalationStep, type EscalationDelays } from './escalation-rule.js';
import type { AlarmReport } from './report-alarm-message.js';

const DELAYS: EscalationDelays = { high: 30_000, medium: 300_000 };

function report(at: number, fields: Partial<Alarm> = {}): AlarmReport {
  const alarm: Alarm = {
    id: 'a1',
    condition: 'HR_HIGH',
    type: 'physiological',
    priority: 'high',
    state: 'active',
    inactivation: 'none',
    bedId: 'B1',
    patientId: 1,
    deviceId: 'M1',
    value: 160,
    limit: 150,
    worstValue: 160,
    worstAt: 0,
    startedAt: 0,
    acknowledgedBy: null,
    acknowledgedAt: null,
    ...fields,
  };
  return { alarm, at, place: { bedLabel: null, patient: null } };
}

describe('the escalation rule', () => {
  it('starts a deadline at the start of an alarm whose priority escalates, and none for one that does not', () => {
    expect(escalationStep(undefined, report(1000), 'start', DELAYS).next).toMatchObject({ state: 'pending', dueAt: 31_000 });
    expect(escalationStep(undefined, report(1000, { priority: 'low' }), 'start', DELAYS).next).toBeUndefined();
  });

  it('keeps the earlier deadline on updates, and brings it forward when the priority rises', () => {
    const medium = escalationStep(undefined, report(0, { priority: 'medium' }), 'start', DELAYS).next!;
    expect(medium.dueAt).toBe(300_000);
    expect(escalationStep(medium, report(10_000, { priority: 'medium', inactivation: 'audio_paused' }), 'update', DELAYS).next!.dueAt).toBe(300_000);
    expect(escalationStep(medium, report(10_000), 'update', DELAYS).next!.dueAt).toBe(40_000);
  });

  it('cancels on acknowledgement, and a re-notification starts a new deadline', () => {
    const pending = escalationStep(undefined, report(0), 'start', DELAYS).next!;
    const cancelled = escalationStep(pending, report(5_000, { inactivation: 'acknowledged' }), 'update', DELAYS).next!;
    expect(cancelled).toMatchObject({ state: 'cancelled', dueAt: null });
    expect(escalationStep(cancelled, report(125_000), 'update', DELAYS).next).toMatchObject({ state: 'pending', dueAt: 155_000 });
  });

  it('sends everything after an escalation to the second recipient too, and forgets the alarm at its end', () => {
    const escalated: Escalation = { alarmId: 'a1', state: 'escalated', dueAt: null, report: report(0) };
    expect(escalationStep(escalated, report(40_000, { inactivation: 'acknowledged' }), 'update', DELAYS)).toMatchObject({ alsoToEscalation: true, next: { state: 'escalated' } });
    expect(escalationStep(escalated, report(50_000), 'end', DELAYS)).toEqual({ next: undefined, alsoToEscalation: true });
    expect(escalationStep(undefined, report(50_000), 'end', DELAYS)).toEqual({ next: undefined, alsoToEscalation: false });
  });

  it('takes acceptance at the ACM as an acknowledgement of a pending escalation only', () => {
    const pending = escalationStep(undefined, report(0), 'start', DELAYS).next!;
    expect(acceptedAtAcm(pending)).toMatchObject({ state: 'cancelled', dueAt: null });
    const escalated: Escalation = { ...pending, state: 'escalated', dueAt: null };
    expect(acceptedAtAcm(escalated)).toBe(escalated);
  });
});
