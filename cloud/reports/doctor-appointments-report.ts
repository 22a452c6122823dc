import { run, type Sql } from '../db/sql.js';
import { streamRows } from './stream-rows.js';
import type { Cell, CsvOut, ReportGenerator, ReportModel } from './report-model.js';
import { SeriesAccumulator } from './series.js';

export interface DoctorAppointmentsParams {
  readonly doctorId: number;
  /** YYYY-MM-DD in the clinic's time zone. */
  readonly date: string;
}

/** The day in the doctor's clinic time zone (UTC when the clinic has none). */
export const DOCTOR_DAY = `
SELECT d.name, d.specialization, c.name AS clinic, COALESCE(c.timezone, 'UTC') AS timezone,
  ($2::date)::timestamp AT TIME ZONE COALESCE(c.timezone, 'UTC') AS day_start,
  ($2::date + 1)::timestamp AT TIME ZONE COALESCE(c.timezone, 'UTC') AS day_end
FROM doctors d LEFT JOIN clinics c ON c.id = d.clinic_id
WHERE d.id = $1`;

export const DOCTOR_APPOINTMENTS = `
SELECT a.id, lower(a.during) AS starts_at, upper(a.during) AS ends_at, a.status, a.mode, p.mrn, p.name AS patient
FROM appointments a JOIN patients p ON p.id = a.patient_id
WHERE a.doctor_id = $1 AND a.during && tstzrange($2, $3)
ORDER BY lower(a.during), a.id`;

/** A day's list is short; the PDF shows this many rows and says so if there are more. */
const PDF_ROWS = 300;

export const doctorAppointmentsReport: ReportGenerator<DoctorAppointmentsParams> = {
  csvColumns: ['appointment_id', 'starts_at', 'ends_at', 'status', 'mode', 'mrn', 'patient'],

  async generate(sql: Sql, params: DoctorAppointmentsParams, csv: CsvOut): Promise<ReportModel> {
    const [doctor] = await run<{ name: string; specialization: string | null; clinic: string | null; timezone: string; day_start: Date; day_end: Date }>(sql, DOCTOR_DAY, [params.doctorId, params.date]);
    if (!doctor) throw new Error(`no doctor with id ${params.doctorId}`);
    const perHour = new SeriesAccumulator(doctor.day_start.getTime(), doctor.day_end.getTime(), 24, 'sum');
    const byStatus: Record<string, number> = {};
    const rows: Cell[][] = [];
    let rowCount = 0;
    const cursor = streamRows<{ id: number; starts_at: Date; ends_at: Date; status: string; mode: string; mrn: string; patient: string }>(sql, DOCTOR_APPOINTMENTS, [params.doctorId, doctor.day_start, doctor.day_end], 500);
    const local = (d: Date) => d.toLocaleTimeString('en-GB', { timeZone: doctor.timezone, hour: '2-digit', minute: '2-digit' });
    for await (const batch of cursor) {
      for (const a of batch) {
        await csv([a.id, a.starts_at.toISOString(), a.ends_at.toISOString(), a.status, a.mode, a.mrn, a.patient]);
        rowCount++;
        byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
        if (a.status !== 'cancelled') perHour.add(a.starts_at.getTime(), 1);
        if (rows.length < PDF_ROWS) rows.push([`${local(a.starts_at)}–${local(a.ends_at)}`, a.patient, a.mrn, a.mode === 'video' ? 'video' : 'in person', a.status]);
      }
    }
    return {
      title: `Appointments: ${doctor.name}, ${params.date}`,
      meta: [`${doctor.specialization ?? ''}${doctor.clinic ? ` · ${doctor.clinic}` : ''} · times in ${doctor.timezone}`, `${rowCount} appointments`],
      table: { columns: ['Time', 'Patient', 'MRN', 'Mode', 'Status'], rows, ...(rowCount > PDF_ROWS ? { note: `${rowCount - PDF_ROWS} more in the CSV` } : {}) },
      chart: { title: 'Appointments per hour (not cancelled)', from: doctor.day_start.getTime(), to: doctor.day_end.getTime(), series: [{ name: 'appointments', points: perHour.points() }] },
      summary: { date: params.date, timezone: doctor.timezone, appointments: rowCount, byStatus },
      rowCount,
    };
  },
};
