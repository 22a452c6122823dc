/**
 * Starts alarm forwarding inside the running station: its own database connection for the
 * outbox, the place of an alarm read from the ward, and the forwarder listening to the alarm
 * service after the screens.
 */
import type { Database } from 'better-sqlite3';
import type { StationConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { AlarmService } from '../alarms/alarm-service.js';
import type { Alarm } from '../protocol/alarm-types.js';
import { openDatabase } from '../storage/database.js';
import { databasePath } from '../storage/paths.js';
import type { AcmConfig } from './acm-config.js';
import { AcmForwarder } from './acm-forwarder.js';
import type { AlarmPlace } from './report-alarm-message.js';

const SELECT_BED_LABEL = 'SELECT label FROM beds WHERE id = ?';
const SELECT_PATIENT = 'SELECT mrn, name, birth_date AS birthDate FROM patients WHERE id = ?';
/** The patient in a bed now, for alarms that do not name one (technical alarms at a bed). */
const SELECT_BED_PATIENT = 'SELECT p.mrn, p.name, p.birth_date AS birthDate FROM admissions a JOIN patients p ON p.id = a.patient_id WHERE a.bed_id = ? AND a.discharged_at IS NULL';

export interface StationAcm {
  readonly forwarder: AcmForwarder;
  /** Stops listening and sending; what is still queued is sent after the next start. */
  stop(): Promise<void>;
}

export function startAcmForwarding(config: StationConfig & { readonly acm: AcmConfig }, alarms: AlarmService, logger: Logger): StationAcm {
  // NORMAL: a commit is not fsynced, so the event loop never waits for the disk; a process crash
  // loses nothing committed, a power cut can lose the newest queue changes (a delivered mark
  // lost means a resend, which at-least-once allows). Never wait for the writer thread's lock on
  // the event loop either: busy writes are retried instead.
  const db = openDatabase(databasePath(config.dataDir), { synchronous: 'NORMAL' });
  db.pragma('busy_timeout = 0');
  const forwarder = new AcmForwarder(config.acm, { db, placeOf: placeReader(db), logger: logger.child({ component: 'acm' }) }, config.stationName);
  const unsubscribe = alarms.onChange(forwarder.onAlarmEvents);
  forwarder.start();
  return {
    forwarder,
    async stop() {
      unsubscribe();
      await forwarder.stop();
      db.close();
    },
  };
}

function placeReader(db: Database): (alarm: Alarm) => AlarmPlace {
  const bedLabel = db.prepare(SELECT_BED_LABEL);
  const patient = db.prepare(SELECT_PATIENT);
  const bedPatient = db.prepare(SELECT_BED_PATIENT);
  type PatientRow = { mrn: string; name: string; birthDate: string | null };
  return (alarm) => ({
    bedLabel: alarm.bedId ? ((bedLabel.get(alarm.bedId) as { label: string } | undefined)?.label ?? null) : null,
    patient: ((alarm.patientId !== null ? patient.get(alarm.patientId) : alarm.bedId ? bedPatient.get(alarm.bedId) : undefined) as PatientRow | undefined) ?? null,
  });
}
