import type { Database, Statement } from 'better-sqlite3';
import { StationError } from '../domain/errors.js';
import { AuditTrail } from './audit-trail.js';

export interface BedRow {
  readonly id: string;
  readonly label: string;
  readonly position: number;
  readonly patient: { readonly id: number; readonly mrn: string; readonly name: string; readonly birthDate: string | null } | null;
}

export class WardError extends StationError<'BED_EXISTS' | 'BED_NOT_FOUND' | 'BED_OCCUPIED' | 'PATIENT_NOT_ADMITTED' | 'PATIENT_ALREADY_ADMITTED' | 'INVALID_ARGUMENT'> {}

const SELECT_BEDS = `
SELECT b.id, b.label, b.position, p.id AS patientId, p.mrn, p.name, p.birth_date AS birthDate
FROM beds b
LEFT JOIN admissions a ON a.bed_id = b.id AND a.discharged_at IS NULL
LEFT JOIN patients p ON p.id = a.patient_id
ORDER BY b.position, b.id`;
const INSERT_BED = 'INSERT INTO beds (id, label, position) VALUES (?, ?, ?)';
const SELECT_BED = 'SELECT id FROM beds WHERE id = ?';
const MAX_POSITION = 'SELECT COALESCE(MAX(position), 0) AS p FROM beds';
const UPSERT_PATIENT = `INSERT INTO patients (mrn, name, birth_date, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT (mrn) DO UPDATE SET name = excluded.name, birth_date = COALESCE(excluded.birth_date, patients.birth_date)
RETURNING id`;
const SELECT_PATIENT_BY_MRN = 'SELECT id FROM patients WHERE mrn = ?';
const SELECT_CURRENT_ADMISSION_BY_BED = 'SELECT id, patient_id AS patientId FROM admissions WHERE bed_id = ? AND discharged_at IS NULL';
const SELECT_CURRENT_ADMISSION_BY_PATIENT = 'SELECT id, bed_id AS bedId FROM admissions WHERE patient_id = ? AND discharged_at IS NULL';
const INSERT_ADMISSION = 'INSERT INTO admissions (patient_id, bed_id, admitted_at) VALUES (?, ?, ?)';
const DISCHARGE = 'UPDATE admissions SET discharged_at = ? WHERE id = ?';

/** Beds, patients and admissions: who lies where, which decides whose chart a sample joins. */
export class WardRepository {
  private readonly selectBeds: Statement;
  private readonly insertBed: Statement;
  private readonly selectBed: Statement;
  private readonly maxPosition: Statement;
  private readonly upsertPatient: Statement;
  private readonly selectPatientByMrn: Statement;
  private readonly admissionByBed: Statement;
  private readonly admissionByPatient: Statement;
  private readonly insertAdmission: Statement;
  private readonly discharge: Statement;
  private readonly audit: AuditTrail;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Database) {
    this.selectBeds = db.prepare(SELECT_BEDS);
    this.insertBed = db.prepare(INSERT_BED);
    this.selectBed = db.prepare(SELECT_BED);
    this.maxPosition = db.prepare(MAX_POSITION);
    this.upsertPatient = db.prepare(UPSERT_PATIENT);
    this.selectPatientByMrn = db.prepare(SELECT_PATIENT_BY_MRN);
    this.admissionByBed = db.prepare(SELECT_CURRENT_ADMISSION_BY_BED);
    this.admissionByPatient = db.prepare(SELECT_CURRENT_ADMISSION_BY_PATIENT);
    this.insertAdmission = db.prepare(INSERT_ADMISSION);
    this.discharge = db.prepare(DISCHARGE);
    this.audit = new AuditTrail(db);
  }

  /** Called after every change of beds or admissions (who lies where decides whose chart a sample joins). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  beds(): BedRow[] {
    return (this.selectBeds.all() as Array<{ id: string; label: string; position: number; patientId: number | null; mrn: string; name: string; birthDate: string | null }>).map(
      (r) => ({
        id: r.id,
        label: r.label,
        position: r.position,
        patient: r.patientId === null ? null : { id: r.patientId, mrn: r.mrn, name: r.name, birthDate: r.birthDate },
      }),
    );
  }

  addBed(id: string, label: string, actor: string, now = Date.now()): void {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) throw new WardError('INVALID_ARGUMENT', 'bed id must be 1-32 letters, digits or . _ -');
    if (this.selectBed.get(id)) throw new WardError('BED_EXISTS', `bed ${id} exists`);
    const position = (this.maxPosition.get() as { p: number }).p + 1;
    this.db.transaction(() => {
      this.insertBed.run(id, label, position);
      this.audit.record(now, actor, 'bed.add', id, null);
    })();
    this.changed();
  }

  /*
   * Transactions that read before they write are IMMEDIATE: they take the write lock first. A
   * deferred one that read while the writer thread was committing vitals would fail at once
   * ("database is locked") instead of waiting its turn.
   */

  /** Admits a patient (created or updated by MRN) to an empty bed. */
  admit(
    input: { mrn: string; name: string; birthDate?: string | null; bedId: string },
    actor: string,
    now = Date.now(),
  ): number {
    if (!input.mrn.trim() || !input.name.trim()) throw new WardError('INVALID_ARGUMENT', 'MRN and name are required');
    if (input.birthDate && !/^\d{4}-\d{2}-\d{2}$/.test(input.birthDate)) {
      throw new WardError('INVALID_ARGUMENT', 'date of birth must be YYYY-MM-DD');
    }
    const patientId = this.db.transaction(() => {
      if (!this.selectBed.get(input.bedId)) throw new WardError('BED_NOT_FOUND', `no bed ${input.bedId}`);
      if (this.admissionByBed.get(input.bedId)) throw new WardError('BED_OCCUPIED', `bed ${input.bedId} is occupied`);
      const { id } = this.upsertPatient.get(input.mrn.trim(), input.name.trim(), input.birthDate ?? null, now) as { id: number };
      const current = this.admissionByPatient.get(id) as { bedId: string } | undefined;
      if (current) throw new WardError('PATIENT_ALREADY_ADMITTED', `patient is already in bed ${current.bedId}`);
      this.insertAdmission.run(id, input.bedId, now);
      this.audit.record(now, actor, 'patient.admit', input.bedId, null);
      return id;
    }).immediate();
    this.changed();
    return patientId;
  }

  dischargeFromBed(bedId: string, actor: string, now = Date.now()): void {
    this.db.transaction(() => {
      const current = this.admissionByBed.get(bedId) as { id: number } | undefined;
      if (!current) throw new WardError('PATIENT_NOT_ADMITTED', `bed ${bedId} has no patient`);
      this.discharge.run(now, current.id);
      this.audit.record(now, actor, 'patient.discharge', bedId, null);
    }).immediate();
    this.changed();
  }

  /** Moves the patient of one bed to another empty bed, keeping one continuous record. */
  transfer(fromBedId: string, toBedId: string, actor: string, now = Date.now()): void {
    this.db.transaction(() => {
      const current = this.admissionByBed.get(fromBedId) as { id: number; patientId: number } | undefined;
      if (!current) throw new WardError('PATIENT_NOT_ADMITTED', `bed ${fromBedId} has no patient`);
      if (!this.selectBed.get(toBedId)) throw new WardError('BED_NOT_FOUND', `no bed ${toBedId}`);
      if (this.admissionByBed.get(toBedId)) throw new WardError('BED_OCCUPIED', `bed ${toBedId} is occupied`);
      this.discharge.run(now, current.id);
      this.insertAdmission.run(current.patientId, toBedId, now);
      this.audit.record(now, actor, 'patient.transfer', fromBedId, { to: toBedId });
    }).immediate();
    this.changed();
  }

  patientIdByMrn(mrn: string): number | undefined {
    return (this.selectPatientByMrn.get(mrn) as { id: number } | undefined)?.id;
  }
}
