/**
 * Forwards the station's alarm events to an Alarm Communication Manager (IHE PCD ACM). It
 * listens to the alarm service after the screens did: the listener only remembers the events
 * and returns; rendering, queueing and sending happen on a later turn of the event loop, so
 * neither a down or slow ACM nor this queue can hold up a local alarm.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../log.js';
import { PRIORITY_WIRE, type Alarm, type AlarmEvent } from '../protocol/alarm-types.js';
import type { AcmConfig } from './acm-config.js';
import { AcmOutbox, type OutboxSummary, type Recipient } from './acm-outbox.js';
import type { AlarmStatus } from './acm-reply.js';
import { DeliveryWorker, type DeliveryEvent } from './delivery-worker.js';
import { acceptedAtAcm, escalationStep } from './escalation-rule.js';
import { MllpLink, type StatusReply } from './mllp-link.js';
import { renderReportAlarm, type AlarmPlace, type AlarmReport, type ReportSender } from './report-alarm-message.js';
import type { ReportPhase } from './acm-mapping.js';
import { BUSY_RETRY_MS, isBusy, writeWhenFree } from './write-when-free.js';

/** How long delivered and given-up messages stay for `acm status` and review. */
export const KEEP_DONE_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
/** A recipient not reached for this long is failing: long enough for a restart of the ACM, short for a nurse. */
export const FAILING_AFTER_MS = 30_000;

export type ForwarderEvent =
  | DeliveryEvent
  | { readonly type: 'queued'; readonly recipient: Recipient; readonly controlId: string; readonly alarmId: string; readonly phase: ReportPhase }
  | { readonly type: 'status'; readonly controlId: string; readonly alarmId: string | null; readonly status: AlarmStatus };

export interface ForwarderDeps {
  /** Its own connection to the station database (the outbox tables). */
  readonly db: Database;
  /** The bed label and patient of an alarm, read when it is forwarded. */
  readonly placeOf: (alarm: Alarm) => AlarmPlace;
  readonly logger: Logger;
  /** The clock of escalation deadlines and timestamps; tests pass their own. */
  readonly now?: () => number;
  readonly random?: () => number;
}

export class AcmForwarder {
  private readonly outbox: AcmOutbox;
  private readonly sender: ReportSender;
  private readonly workers: Partial<Record<Recipient, DeliveryWorker>> = {};
  private readonly listeners = new Set<(event: ForwarderEvent) => void>();
  private readonly now: () => number;
  private pending: AlarmEvent[] = [];
  private flushScheduled = false;
  private stopped = false;
  private escalationTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AcmConfig,
    private readonly deps: ForwarderDeps,
    pointOfCare: string,
  ) {
    this.outbox = new AcmOutbox(deps.db);
    this.now = deps.now ?? Date.now;
    this.sender = { ...config, pointOfCare };
    const endpoints: Array<[Recipient, { host: string; port: number } | null]> = [
      ['primary', config.primary],
      ['escalation', config.escalation],
    ];
    for (const [recipient, endpoint] of endpoints) {
      if (!endpoint) continue;
      const link = new MllpLink(endpoint, { onStatus: (status) => this.statusReceived(status) });
      this.workers[recipient] = new DeliveryWorker(
        recipient,
        link,
        this.outbox,
        { ackTimeoutMs: config.ackTimeoutMs, maxErrorAttempts: config.maxErrorAttempts, backoff: config.backoff, now: this.now, random: deps.random },
        (event) => this.delivery(event),
      );
    }
  }

  /** Starts delivering what is queued (also what a previous run left) and checking escalations. */
  start(escalationCheckMs = 1000): void {
    for (const worker of Object.values(this.workers)) worker.start();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    if (this.config.escalation && escalationCheckMs > 0) {
      this.escalationTimer = setInterval(() => this.checkEscalations(), escalationCheckMs);
      this.escalationTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.escalationTimer) clearInterval(this.escalationTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.stopped = true;
    // What the alarm service already handed over is queued before stopping (up to a second of busy lock).
    for (let tries = 0; this.pending.length > 0 && tries < 50; tries++) {
      this.flush();
      if (this.pending.length > 0) await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
    if (this.pending.length > 0) this.deps.logger.error({ events: this.pending.length }, 'stopping: alarm events not queued for the ACM');
    await Promise.all(Object.values(this.workers).map((worker) => worker.stop()));
  }

  /** The alarm service listener: remembers and returns; the work happens on a later turn. */
  readonly onAlarmEvents = (events: readonly AlarmEvent[]): void => {
    if (events.length === 0 || this.stopped) return;
    this.pending.push(...events);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  };

  onEvent(listener: (event: ForwarderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * True while some recipient has not been reached for `afterMs`: pagers are then not getting
   * the ward's alarms, which the station shows as a technical alarm (ACM_FAILING). An idle link
   * is not tested: a dead ACM is noticed at the next alarm it should get.
   */
  failing(afterMs = FAILING_AFTER_MS): boolean {
    const now = this.now();
    return Object.values(this.workers).some((worker) => worker.stuckSince !== null && now - worker.stuckSince >= afterMs);
  }

  /** For the health endpoint: counts only. */
  health(): { queued: number; failed: number; failing: boolean } {
    const { queued, failed } = this.outbox.summary();
    return { queued: queued.primary + queued.escalation, failed, failing: this.failing() };
  }

  summary(): OutboxSummary {
    return this.outbox.summary();
  }

  /** Sends what is past its escalation deadline to the second recipient (also called by the timer). */
  checkEscalations(): void {
    if (!this.workers.escalation) return;
    const now = this.now();
    const queued: Array<Extract<ForwarderEvent, { type: 'queued' }>> = [];
    try {
      this.outbox.transaction(() => {
        for (const escalation of this.outbox.dueEscalations(now)) {
          queued.push(this.enqueue('escalation', escalation.report, 'escalate', now));
          this.outbox.saveEscalation({ ...escalation, state: 'escalated', dueAt: null }, now);
        }
      });
    } catch (error) {
      // Still due at the next check (a second later); only a real fault is worth a log line.
      if (!isBusy(error)) this.deps.logger.error({ err: (error as Error).message }, 'could not check ACM escalations');
      return;
    }
    this.announce(queued);
  }

  /** Keeps the outbox small; busy or failing, it simply waits for the next hour. */
  private prune(): void {
    try {
      this.outbox.prune(this.now() - KEEP_DONE_MS);
    } catch (error) {
      if (!isBusy(error)) this.deps.logger.warn({ err: (error as Error).message }, 'could not prune the ACM outbox');
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const events = this.pending;
    this.pending = [];
    if (events.length === 0) return;
    const now = this.now();
    const delays = this.config.escalation?.afterMs ?? {};
    const queued: Array<Extract<ForwarderEvent, { type: 'queued' }>> = [];
    try {
      this.outbox.transaction(() => {
        for (const event of events) {
          const report: AlarmReport = { alarm: event.alarm, at: event.at, place: this.deps.placeOf(event.alarm) };
          queued.push(this.enqueue('primary', report, event.phase, now));
          if (!this.workers.escalation) continue;
          const step = escalationStep(this.outbox.escalation(event.alarm.id), report, event.phase, delays);
          if (step.alsoToEscalation) queued.push(this.enqueue('escalation', report, event.phase, now));
          if (step.next) this.outbox.saveEscalation(step.next, now);
          else this.outbox.forgetEscalation(event.alarm.id);
        }
      });
    } catch (error) {
      // Nothing was written: the events go back in front and are tried again shortly. The local
      // alarm is unaffected either way; a failure other than a busy lock is said loudly.
      if (!isBusy(error)) this.deps.logger.error({ err: (error as Error).message, events: events.length }, 'could not queue alarm events for the ACM; retrying');
      this.pending = [...events, ...this.pending];
      if (!this.flushScheduled && !this.stopped) {
        this.flushScheduled = true;
        setTimeout(() => this.flush(), isBusy(error) ? BUSY_RETRY_MS : 1000).unref();
      }
      return;
    }
    this.announce(queued);
  }

  private enqueue(recipient: Recipient, report: AlarmReport, phase: ReportPhase, now: number): Extract<ForwarderEvent, { type: 'queued' }> {
    const controlId = randomUUID().replace(/-/g, '').slice(0, 20);
    const message = renderReportAlarm(report, phase, controlId, this.sender, now);
    this.outbox.enqueue({ recipient, controlId, alarmId: report.alarm.id, phase, priority: PRIORITY_WIRE[report.alarm.priority], message, createdAt: now });
    return { type: 'queued', recipient, controlId, alarmId: report.alarm.id, phase };
  }

  private announce(queued: ReadonlyArray<Extract<ForwarderEvent, { type: 'queued' }>>): void {
    for (const event of queued) {
      this.emit(event);
      this.workers[event.recipient]?.nudge();
    }
  }

  private statusReceived(reply: StatusReply): void {
    const now = this.now();
    const store = () =>
      this.outbox.transaction(() => {
        const sent = this.outbox.status(reply.controlId, reply.status, reply.detail, now);
        if (sent && reply.status === 'accepted') {
          const escalation = this.outbox.escalation(sent.alarmId);
          const next = acceptedAtAcm(escalation);
          if (next && next !== escalation) this.outbox.saveEscalation(next, now);
        }
        return sent;
      });
    writeWhenFree(store).then(
      (sent) => {
        this.deps.logger.info({ alarmId: sent?.alarmId ?? null, status: reply.status }, 'ACM status update');
        this.emit({ type: 'status', controlId: reply.controlId, alarmId: sent?.alarmId ?? null, status: reply.status });
      },
      (error: Error) => this.deps.logger.error({ err: error.message }, 'could not store an ACM status update'),
    );
  }

  private delivery(event: DeliveryEvent): void {
    if (event.type === 'failed') this.deps.logger.warn({ recipient: event.recipient, alarmId: event.alarmId, reason: event.reason.split(':')[0] }, 'ACM gave up on an alarm message');
    else if (event.type === 'retrying') this.deps.logger.warn({ recipient: event.recipient, reason: event.reason.split(':')[0], delayMs: event.delayMs }, 'ACM delivery will be retried');
    this.emit(event);
  }

  private emit(event: ForwarderEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
