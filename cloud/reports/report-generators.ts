import { doctorAppointmentsReport } from './doctor-appointments-report.js';
import { patientVitalsReport } from './patient-vitals-report.js';
import type { ReportKind } from './report-jobs.js';
import type { ReportGenerator } from './report-model.js';
import { wardAlarmsReport } from './ward-alarms-report.js';

/** Every report kind and what produces it. Params were validated by the route that queued the job. */
export const REPORT_GENERATORS: Record<ReportKind, ReportGenerator<never>> = {
  patient_vitals: patientVitalsReport as ReportGenerator<never>,
  ward_alarms: wardAlarmsReport as ReportGenerator<never>,
  doctor_appointments: doctorAppointmentsReport as ReportGenerator<never>,
};
