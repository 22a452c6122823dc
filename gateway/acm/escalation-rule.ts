/**
 * The escalation rule (pure): an alarm at a priority with an escalation delay that nobody
 * acknowledged within that delay goes to the second recipient too. The clock is the caller's.
 *
 * - The deadline starts when the alarm first reaches a priority that escalates (its start, or
 *   the update that raised it); a later, higher priority can only bring the deadline forward.
 * - Acknowledging at the station, or the recipient accepting it at the ACM, cancels a pending
 *   escalation; a re-notification (the acknowledged alarm still present) starts a new deadline.
 * - Once escalated, every later message about the alarm also goes to the second recipient, so
 *   it learns when the alarm is acknowledged or over.
 */
import type { AlarmPriority } from '../protocol/alarm-types.js';
import type { Escalation } from './acm-outbox.js';
import type { AlarmReport } from './report-alarm-message.js';

/** Escalation delay per priority in ms; a priority left out never escalates. */
export type EscalationDelays = Partial<Readonly<Record<AlarmPriority, number>>>;

export interface EscalationStep {
  /** The record to keep (undefined: none, forget any). */
  readonly next: Escalation | undefined;
  /** Whether this event's message goes to the second recipient too. */
  readonly alsoToEscalation: boolean;
}

export function escalationStep(current: Escalation | undefined, report: AlarmReport, phase: 'start' | 'update' | 'end', delays: EscalationDelays): EscalationStep {
  const escalated = current?.state === 'escalated';
  if (phase === 'end') return { next: undefined, alsoToEscalation: escalated };
  if (escalated) return { next: { ...current!, report }, alsoToEscalation: true };
  const { alarm } = report;
  if (alarm.inactivation === 'acknowledged') {
    return { next: current ? { ...current, state: 'cancelled', dueAt: null, report } : undefined, alsoToEscalation: false };
  }
  const delay = delays[alarm.priority];
  if (delay === undefined) return { next: current ? { ...current, report } : undefined, alsoToEscalation: false };
  const due = report.at + delay;
  const dueAt = current?.state === 'pending' && current.dueAt !== null ? Math.min(current.dueAt, due) : due;
  return { next: { alarmId: alarm.id, state: 'pending', dueAt, report }, alsoToEscalation: false };
}

/** The recipient accepted the alarm at the ACM: as good as an acknowledgement for escalation. */
export function acceptedAtAcm(current: Escalation | undefined): Escalation | undefined {
  return current?.state === 'pending' ? { ...current, state: 'cancelled', dueAt: null } : current;
}
