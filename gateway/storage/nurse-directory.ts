import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { StationError } from '../domain/errors.js';
import { AuditTrail } from './audit-trail.js';
import type { Database, Statement } from 'better-sqlite3';

export interface Nurse {
  readonly id: string;
  readonly name: string;
}

export class NurseError extends StationError<'NURSE_EXISTS' | 'NURSE_NOT_FOUND' | 'INVALID_ARGUMENT' | 'SIGN_IN_FAILED' | 'SIGN_IN_THROTTLED'> {}

const INSERT = 'INSERT INTO nurses (id, name, pin_hash, pin_salt, created_at) VALUES (?, ?, ?, ?, ?)';
const SELECT = 'SELECT id, name, pin_hash AS hash, pin_salt AS salt FROM nurses WHERE id = ? AND disabled_at IS NULL';
const SELECT_ALL = 'SELECT id, name, disabled_at IS NOT NULL AS disabled FROM nurses ORDER BY name';
const DISABLE = 'UPDATE nurses SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL';
const SET_PIN = 'UPDATE nurses SET pin_hash = ?, pin_salt = ? WHERE id = ?';

/** Failed PINs allowed per nurse per window before sign-in is refused for the rest of it. */
const MAX_FAILURES = 5;
const WINDOW_MS = 5 * 60_000;

function hashPin(pin: string, salt: Buffer): Buffer {
  return scryptSync(pin, salt, 32, { N: 16384, r: 8, p: 1 });
}

/** Nurses of this station, set up by an admin (CLI); they sign in at the station with a PIN. */
export class NurseDirectory {
  private readonly insert: Statement;
  private readonly select: Statement;
  private readonly selectAll: Statement;
  private readonly disableStmt: Statement;
  private readonly setPinStmt: Statement;
  private readonly audit: AuditTrail;
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(INSERT);
    this.select = db.prepare(SELECT);
    this.selectAll = db.prepare(SELECT_ALL);
    this.disableStmt = db.prepare(DISABLE);
    this.setPinStmt = db.prepare(SET_PIN);
    this.audit = new AuditTrail(db);
  }

  add(id: string, name: string, pin: string, actor: string): void {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) throw new NurseError('INVALID_ARGUMENT', 'nurse id must be 1-32 letters, digits or . _ -');
    if (!name.trim()) throw new NurseError('INVALID_ARGUMENT', 'name is required');
    checkPin(pin);
    if (this.select.get(id)) throw new NurseError('NURSE_EXISTS', `nurse ${id} exists`);
    const salt = randomBytes(16);
    const now = this.now();
    this.db.transaction(() => {
      this.insert.run(id, name.trim(), hashPin(pin, salt), salt, now);
      this.audit.record(now, actor, 'nurse.add', id, null);
    })();
  }

  setPin(id: string, pin: string, actor: string): void {
    checkPin(pin);
    if (!this.select.get(id)) throw new NurseError('NURSE_NOT_FOUND', `no nurse ${id}`);
    const salt = randomBytes(16);
    this.setPinStmt.run(hashPin(pin, salt), salt, id);
    this.audit.record(this.now(), actor, 'nurse.set_pin', id, null);
  }

  disable(id: string, actor: string): void {
    if (this.disableStmt.run(this.now(), id).changes === 0) throw new NurseError('NURSE_NOT_FOUND', `no active nurse ${id}`);
    this.audit.record(this.now(), actor, 'nurse.disable', id, null);
  }

  list(): Array<{ id: string; name: string; disabled: boolean }> {
    return (this.selectAll.all() as Array<{ id: string; name: string; disabled: number }>).map((n) => ({ ...n, disabled: n.disabled === 1 }));
  }

  /** Checks a PIN; throttled per nurse so a short PIN cannot be guessed at the keyboard. */
  signIn(id: string, pin: string): Nurse {
    const now = this.now();
    const f = this.failures.get(id);
    if (f && now - f.since < WINDOW_MS && f.count >= MAX_FAILURES) {
      throw new NurseError('SIGN_IN_THROTTLED', 'too many wrong PINs; wait a few minutes or ask an admin');
    }
    const row = this.select.get(id) as { id: string; name: string; hash: Buffer; salt: Buffer } | undefined;
    const ok = row !== undefined && timingSafeEqual(hashPin(String(pin), row.salt), row.hash);
    if (!ok || !row) {
      const current = f && now - f.since < WINDOW_MS ? f : { count: 0, since: now };
      this.failures.set(id, { count: current.count + 1, since: current.since });
      this.audit.record(now, `nurse:${String(id).slice(0, 32)}`, 'session.sign_in_failed', 'station', null);
      throw new NurseError('SIGN_IN_FAILED', 'unknown nurse or wrong PIN');
    }
    this.failures.delete(id);
    this.audit.record(now, `nurse:${row.id}`, 'session.sign_in', 'station', null);
    return { id: row.id, name: row.name };
  }
}

function checkPin(pin: string): void {
  if (!/^\d{4,12}$/.test(pin)) throw new NurseError('INVALID_ARGUMENT', 'PIN must be 4-12 digits');
}
