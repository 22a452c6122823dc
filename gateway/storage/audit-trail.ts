import type { Database, Statement } from 'better-sqlite3';

/** Everything the station records in its audit log, by who did it and to what. */
export type AuditAction =
  | 'bed.add'
  | 'patient.admit'
  | 'patient.discharge'
  | 'patient.transfer'
  | 'nurse.add'
  | 'nurse.set_pin'
  | 'nurse.disable'
  | 'session.sign_in'
  | 'session.sign_in_failed'
  | 'device.register'
  | 'device.rotate_key'
  | 'device.revoke'
  | 'device.assign'
  | 'alarm.pause_audio'
  | 'alarm.limits';

const INSERT_AUDIT = 'INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)';

/**
 * The station's one way into `audit_log`. Callers inside a transaction record in it, so the
 * change and its audit row commit together.
 */
export class AuditTrail {
  private readonly insert: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(INSERT_AUDIT);
  }

  /** `actor` is `nurse:ID`, `screen:unsigned` or an administrator's name; `detail` is stored as JSON. */
  record(at: number, actor: string, action: AuditAction, subject: string, detail: Readonly<Record<string, unknown>> | null = null): void {
    this.insert.run(at, actor, action, subject, detail === null ? null : JSON.stringify(detail));
  }
}
