/**
 * The persisted queue of Report Alarm messages, one FIFO per recipient, with the ACM's status
 * updates and the escalation deadlines (tables of migration 0009). Statements are prepared once.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { AlarmStatus } from './acm-reply.js';
import type { AlarmReport } from './report-alarm-message.js';

export type Recipient = 'primary' | 'escalation';

export interface OutboxMessage {
  readonly id: number;
  readonly recipient: Recipient;
  readonly controlId: string;
  readonly alarmId: string;
  readonly message: string;
  readonly attempts: number;
}

export interface NewOutboxMessage {
  readonly recipient: Recipient;
  readonly controlId: string;
  readonly alarmId: string;
  readonly phase: string;
  readonly priority: 'PH' | 'PM' | 'PL';
  readonly message: string;
  readonly createdAt: number;
}

export interface Escalation {
  readonly alarmId: string;
  readonly state: 'pending' | 'escalated' | 'cancelled';
  readonly dueAt: number | null;
  readonly report: AlarmReport;
}

/** One forwarded message as IT sees it: what, where to, how it went; never its (patient) text. */
export interface OutboxEntry {
  readonly controlId: string;
  readonly recipient: Recipient;
  readonly alarmId: string;
  readonly phase: string;
  readonly priority: 'PH' | 'PM' | 'PL';
  readonly createdAt: number;
  readonly state: 'queued' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly doneAt: number | null;
  /** The newest ORA^R41 status the ACM reported for it. */
  readonly status: string | null;
  readonly statusAt: number | null;
}

export interface OutboxSummary {
  readonly queued: Readonly<Record<Recipient, number>>;
  readonly failed: number;
  /** Newest status updates from the ACM, newest first. */
  readonly recentStatuses: ReadonlyArray<{ readonly alarmId: string | null; readonly status: string; readonly at: number }>;
}

const INSERT_MESSAGE = 'INSERT INTO acm_messages (recipient, control_id, alarm_id, phase, priority, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
/** Uses acm_messages_queued. */
const SELECT_HEAD = "SELECT id, recipient, control_id AS controlId, alarm_id AS alarmId, message, attempts FROM acm_messages WHERE recipient = ? AND state = 'queued' ORDER BY id LIMIT 1";
const MARK_DELIVERED = "UPDATE acm_messages SET state = 'delivered', done_at = ?, last_error = NULL WHERE id = ?";
const MARK_FAILED = "UPDATE acm_messages SET state = 'failed', done_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?";
const MARK_ATTEMPT = 'UPDATE acm_messages SET attempts = attempts + 1, last_error = ? WHERE id = ?';
const SELECT_BY_CONTROL_ID = 'SELECT alarm_id AS alarmId, recipient FROM acm_messages WHERE control_id = ?';
const SET_STATUS = 'UPDATE acm_messages SET status = ?, status_at = ? WHERE control_id = ?';
const INSERT_STATUS = 'INSERT INTO acm_status_updates (control_id, alarm_id, status, detail, at) VALUES (?, ?, ?, ?, ?)';
const SELECT_ESCALATION = 'SELECT alarm_id AS alarmId, state, due_at AS dueAt, report FROM acm_escalations WHERE alarm_id = ?';
const UPSERT_ESCALATION =
  'INSERT INTO acm_escalations (alarm_id, state, due_at, report, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (alarm_id) DO UPDATE SET state = excluded.state, due_at = excluded.due_at, report = excluded.report, updated_at = excluded.updated_at';
const DELETE_ESCALATION = 'DELETE FROM acm_escalations WHERE alarm_id = ?';
/** Uses acm_escalations_due. */
const SELECT_DUE = "SELECT alarm_id AS alarmId, state, due_at AS dueAt, report FROM acm_escalations WHERE state = 'pending' AND due_at <= ? ORDER BY due_at";
const COUNT_QUEUED = "SELECT recipient, count(*) AS n FROM acm_messages WHERE state = 'queued' GROUP BY recipient";
const COUNT_FAILED = "SELECT count(*) AS n FROM acm_messages WHERE state = 'failed'";
const DELETE_DONE_BEFORE = "DELETE FROM acm_messages WHERE state <> 'queued' AND done_at < ?";
const DELETE_STATUSES_BEFORE = 'DELETE FROM acm_status_updates WHERE at < ?';
const SELECT_RECENT_MESSAGES =
  'SELECT control_id AS controlId, recipient, alarm_id AS alarmId, phase, priority, created_at AS createdAt, state, attempts, last_error AS lastError, done_at AS doneAt, status, status_at AS statusAt FROM acm_messages ORDER BY id DESC LIMIT ?';
const SELECT_RECENT_STATUSES = 'SELECT alarm_id AS alarmId, status, at FROM acm_status_updates ORDER BY id DESC LIMIT 20';

interface EscalationRow {
  alarmId: string;
  state: Escalation['state'];
  dueAt: number | null;
  report: string;
}

export class AcmOutbox {
  private readonly statements: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const sql = { INSERT_MESSAGE, SELECT_HEAD, MARK_DELIVERED, MARK_FAILED, MARK_ATTEMPT, SELECT_BY_CONTROL_ID, SET_STATUS, INSERT_STATUS, SELECT_ESCALATION, UPSERT_ESCALATION, DELETE_ESCALATION, SELECT_DUE, COUNT_QUEUED, COUNT_FAILED, SELECT_RECENT_STATUSES, SELECT_RECENT_MESSAGES, DELETE_DONE_BEFORE, DELETE_STATUSES_BEFORE };
    this.statements = Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]));
  }

  /**
   * Runs `work` in one transaction (enqueueing and the escalation change it implies commit
   * together). IMMEDIATE: it takes the write lock before reading, so it never has to upgrade a
   * read snapshot another connection has since written past (SQLITE_BUSY_SNAPSHOT).
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  enqueue(message: NewOutboxMessage): void {
    this.statements.INSERT_MESSAGE!.run(message.recipient, message.controlId, message.alarmId, message.phase, message.priority, message.message, message.createdAt);
  }

  head(recipient: Recipient): OutboxMessage | undefined {
    return this.statements.SELECT_HEAD!.get(recipient) as OutboxMessage | undefined;
  }

  delivered(id: number, at: number): void {
    this.statements.MARK_DELIVERED!.run(at, id);
  }

  failed(id: number, reason: string, at: number): void {
    this.statements.MARK_FAILED!.run(at, reason, id);
  }

  attempted(id: number, error: string): void {
    this.statements.MARK_ATTEMPT!.run(error, id);
  }

  /** Stores a status update (call inside `transaction`); returns the alarm it is about (null for a control id we never sent). */
  status(controlId: string, status: AlarmStatus, detail: string, at: number): { alarmId: string; recipient: Recipient } | null {
    const sent = this.statements.SELECT_BY_CONTROL_ID!.get(controlId) as { alarmId: string; recipient: Recipient } | undefined;
    this.statements.INSERT_STATUS!.run(controlId, sent?.alarmId ?? null, status, detail || null, at);
    if (sent) this.statements.SET_STATUS!.run(status, at, controlId);
    return sent ?? null;
  }

  escalation(alarmId: string): Escalation | undefined {
    const row = this.statements.SELECT_ESCALATION!.get(alarmId) as EscalationRow | undefined;
    return row ? toEscalation(row) : undefined;
  }

  saveEscalation(escalation: Escalation, at: number): void {
    this.statements.UPSERT_ESCALATION!.run(escalation.alarmId, escalation.state, escalation.dueAt, JSON.stringify(escalation.report), at);
  }

  forgetEscalation(alarmId: string): void {
    this.statements.DELETE_ESCALATION!.run(alarmId);
  }

  dueEscalations(now: number): Escalation[] {
    return (this.statements.SELECT_DUE!.all(now) as EscalationRow[]).map(toEscalation);
  }

  summary(): OutboxSummary {
    const queued: Record<Recipient, number> = { primary: 0, escalation: 0 };
    for (const row of this.statements.COUNT_QUEUED!.all() as Array<{ recipient: Recipient; n: number }>) queued[row.recipient] = row.n;
    const failed = (this.statements.COUNT_FAILED!.get() as { n: number }).n;
    const recentStatuses = this.statements.SELECT_RECENT_STATUSES!.all() as OutboxSummary['recentStatuses'];
    return { queued, failed, recentStatuses };
  }

  /** Forgets delivered and given-up messages, and status updates, older than `before`; queued ones stay whatever their age. */
  prune(before: number): number {
    return this.transaction(() => this.statements.DELETE_DONE_BEFORE!.run(before).changes + this.statements.DELETE_STATUSES_BEFORE!.run(before).changes);
  }

  /** The newest messages, newest first. */
  recent(limit: number): OutboxEntry[] {
    return this.statements.SELECT_RECENT_MESSAGES!.all(limit) as OutboxEntry[];
  }
}

function toEscalation(row: EscalationRow): Escalation {
  return { alarmId: row.alarmId, state: row.state, dueAt: row.dueAt, report: JSON.parse(row.report) as AlarmReport };
}
