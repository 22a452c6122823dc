import type { Sql } from '../../cloud/db/sql.js';

/**
 * Deterministic, clinically plausible data for rendering reports the way a physician reads
 * them: one monitored patient (a morning and early afternoon with a gap, a desaturation, a
 * fever, NIBP every half hour), a ward's alarm day, and a doctor's appointment list. All in
 * Europe/Berlin on Wednesday 4 March 2026 (UTC+01:00), so local 08:00 is 07:00 UTC.
 */
export const REPORT_DAY = '2026-03-04';
export const REPORT_WEEK = '2026-03-02';
export const REPORT_ZONE = 'Europe/Berlin';
export const WARD = { id: 'ward-3n', name: 'Ward 3 North' };
export const PATIENT = { mrn: 'MRN-204518', name: 'Maria Jensen', birthDate: '1951-06-14', bed: '12' };

const MINUTE = 60_000;
const HOUR = 3_600_000;
const t0 = Date.parse('2026-03-04T07:00:00Z'); // 08:00 local
const DAY_END = Date.parse('2026-03-04T14:30:00Z'); // 15:30 local
const GAP = [Date.parse('2026-03-04T10:10:00Z'), Date.parse('2026-03-04T10:40:00Z')] as const; // to X-ray
const DESAT = [Date.parse('2026-03-04T12:05:00Z'), Date.parse('2026-03-04T12:21:00Z')] as const;
const FEVER_FROM = Date.parse('2026-03-04T12:40:00Z');

/** A repeatable number in [0, 1) for (i, k). */
function noise(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

interface Row {
  bucket: Date;
  vital: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function minuteRows(patientId: number): Row[] {
  const rows: Row[] = [];
  const add = (t: number, vital: number, mean: number, low: number, high: number, count: number) =>
    rows.push({ bucket: new Date(t), vital, min: r1(Math.min(low, mean)), max: r1(Math.max(high, mean)), sum: r1(mean) * count, count });
  for (let t = t0, i = 0; t < DAY_END; t += MINUTE, i++) {
    if (t >= GAP[0] && t < GAP[1]) continue;
    const inDesat = t >= DESAT[0] && t < DESAT[1];
    const depth = inDesat ? Math.sin((Math.PI * (t - DESAT[0])) / (DESAT[1] - DESAT[0])) : 0;
    const fever = t >= FEVER_FROM ? Math.min(1, (t - FEVER_FROM) / (100 * MINUTE)) : 0;
    const hr = 76 + 5 * Math.sin(i / 37) + 3 * noise(i, 1) + 44 * depth + 18 * fever;
    add(t, 1, hr, hr - 3 - 3 * noise(i, 2) - 4 * depth, hr + 3 + 4 * noise(i, 3) + 6 * depth, 60);
    const spo2 = Math.min(99, 96.4 + 1.2 * noise(i, 4) - 12 * depth - 1.5 * fever);
    add(t, 3, spo2, spo2 - 1 - 2 * noise(i, 5) - 5 * depth, Math.min(100, spo2 + 1 + noise(i, 6)), 60);
    const rr = 15 + 2 * Math.sin(i / 23) + 1.5 * noise(i, 7) + 11 * depth + 5 * fever;
    add(t, 4, rr, rr - 2 - noise(i, 8), rr + 2 + 2 * noise(i, 9), 60);
    if (i % 5 === 0) {
      const temp = 36.9 + 0.15 * noise(i, 10) + 1.9 * fever;
      add(t, 5, temp, temp, temp, 1);
    }
    if (i % 30 === 0) {
      const spike = Math.abs(t - Date.parse('2026-03-04T13:00:00Z')) < MINUTE;
      const sys = spike ? 168 : 122 + 10 * noise(i, 11);
      const dia = spike ? 97 : 74 + 7 * noise(i, 12);
      for (const [vital, value] of [[6, sys], [7, dia], [8, dia + (sys - dia) / 3]] as const) add(t, vital, Math.round(value), Math.round(value), Math.round(value), 1);
    }
  }
  void patientId;
  return rows;
}

function hourRows(): Row[] {
  const rows: Row[] = [];
  const from = Date.parse('2026-03-02T09:00:00Z'); // Monday 10:00 local: admission
  const to = Date.parse('2026-03-08T13:00:00Z'); // Sunday 14:00 local
  const sensorOff = [Date.parse('2026-03-04T01:00:00Z'), Date.parse('2026-03-04T05:00:00Z')];
  for (let t = from, i = 0; t < to; t += HOUR, i++) {
    if (t >= sensorOff[0]! && t < sensorOff[1]!) continue;
    const night = Math.cos((2 * Math.PI * ((t / HOUR + 1) % 24 - 4)) / 24); // lowest at about 04:00 local
    const recovering = Math.max(0, 1 - i / 120);
    const hr = 74 + 8 * recovering + 6 * -night + 4 * noise(i, 1);
    rows.push({ bucket: new Date(t), vital: 1, min: r1(hr - 12 - 5 * noise(i, 2)), max: r1(hr + 14 + 10 * noise(i, 3) + (i === 50 ? 30 : 0)), sum: r1(hr) * 3600, count: 3600 });
    const spo2 = 95.5 + 1.5 * (1 - recovering) + 0.8 * noise(i, 4);
    rows.push({ bucket: new Date(t), vital: 3, min: r1(spo2 - 3 - 3 * noise(i, 5) - (i === 50 ? 6 : 0)), max: r1(Math.min(100, spo2 + 2)), sum: r1(spo2) * 3600, count: 3600 });
    const rr = 16 + 3 * recovering + 2 * noise(i, 6);
    rows.push({ bucket: new Date(t), vital: 4, min: r1(rr - 4), max: r1(rr + 5 + 3 * noise(i, 7)), sum: r1(rr) * 3600, count: 3600 });
    const temp = 37 + 1.4 * recovering * (0.6 + 0.4 * noise(i, 8));
    rows.push({ bucket: new Date(t), vital: 5, min: r1(temp - 0.1), max: r1(temp + 0.1), sum: r1(temp) * 12, count: 12 });
    if (i % 4 === 0) {
      const sys = Math.round(118 + 22 * recovering + 10 * noise(i, 9));
      const dia = Math.round(72 + 8 * recovering + 6 * noise(i, 10));
      rows.push({ bucket: new Date(t), vital: 6, min: sys, max: sys, sum: sys, count: 1 });
      rows.push({ bucket: new Date(t), vital: 7, min: dia, max: dia, sum: dia, count: 1 });
      const map = Math.round(dia + (sys - dia) / 3);
      rows.push({ bucket: new Date(t), vital: 8, min: map, max: map, sum: map, count: 1 });
    }
  }
  return rows;
}

async function insertRollup(sql: Sql, table: 'vitals_1m' | 'vitals_1h', patientId: number, rows: Row[]): Promise<void> {
  await sql.unsafe(
    `INSERT INTO ${table} (bucket, patient_id, vital, min, max, sum, count)
     SELECT b, $1, v, mn, mx, s, c FROM unnest($2::text[]::timestamptz[], $3::int[], $4::real[], $5::real[], $6::float8[], $7::bigint[]) AS t(b, v, mn, mx, s, c)`,
    [patientId, rows.map((r) => r.bucket.toISOString()), rows.map((r) => r.vital), rows.map((r) => r.min), rows.map((r) => r.max), rows.map((r) => r.sum), rows.map((r) => r.count)] as never[],
  );
}

interface AlarmRow {
  at: number;
  alarmId: string;
  phase: 'start' | 'update' | 'end';
  patientId: number | null;
  condition: string;
  type: 'physiological' | 'technical';
  priority: 'PH' | 'PM' | 'PL';
  inactivation: 'none' | 'acknowledged';
  bed: string | null;
  value: number | null;
  limit: number | null;
}

const PHYSIOLOGICAL: ReadonlyArray<[string, 'PH' | 'PM' | 'PL', number, number]> = [
  ['SPO2_LOW', 'PM', 87, 90], ['HR_HIGH', 'PM', 128, 120], ['HR_LOW', 'PM', 46, 50], ['RR_HIGH', 'PM', 33, 30],
  ['NIBP_SYS_HIGH', 'PM', 172, 160], ['TEMP_HIGH', 'PL', 38.8, 38.5], ['SPO2_LOW', 'PH', 83, 85], ['HR_HIGH', 'PH', 156, 150],
];
const TECHNICAL: ReadonlyArray<[string, 'PH' | 'PM' | 'PL', boolean]> = [
  ['SENSOR_OFF', 'PM', true], ['DEVICE_OFFLINE', 'PM', true], ['INVALID_VALUE', 'PL', true], ['SYNC_FAILING', 'PL', false],
];

/** One alarm: its start, an acknowledgement (most of them) and its end. */
function alarm(rows: AlarmRow[], a: Omit<AlarmRow, 'phase' | 'inactivation' | 'at' | 'alarmId'> & { at: number; ackAfterS: number | null; lastsS: number }): void {
  const alarmId = `al-${rows.length}`;
  rows.push({ ...a, alarmId, phase: 'start', inactivation: 'none' });
  if (a.ackAfterS !== null && a.ackAfterS < a.lastsS) rows.push({ ...a, at: a.at + a.ackAfterS * 1000, alarmId, phase: 'update', inactivation: 'acknowledged' });
  rows.push({ ...a, at: a.at + a.lastsS * 1000, alarmId, phase: 'end', inactivation: a.ackAfterS !== null && a.ackAfterS < a.lastsS ? 'acknowledged' : 'none' });
}

function wardAlarms(patientId: number, otherPatients: number[]): AlarmRow[] {
  const rows: AlarmRow[] = [];
  const p = PATIENT.bed;
  // Maria Jensen's afternoon (local times): the desaturation, its tachycardia, the NIBP spike, the fever.
  alarm(rows, { at: Date.parse('2026-03-04T12:07:30Z'), patientId, condition: 'SPO2_LOW', type: 'physiological', priority: 'PM', bed: p, value: 88, limit: 90, ackAfterS: 40, lastsS: 780 });
  alarm(rows, { at: Date.parse('2026-03-04T12:09:00Z'), patientId, condition: 'HR_HIGH', type: 'physiological', priority: 'PM', bed: p, value: 124, limit: 120, ackAfterS: 25, lastsS: 600 });
  alarm(rows, { at: Date.parse('2026-03-04T12:12:00Z'), patientId, condition: 'SPO2_LOW', type: 'physiological', priority: 'PH', bed: p, value: 83, limit: 85, ackAfterS: 12, lastsS: 240 });
  alarm(rows, { at: Date.parse('2026-03-04T13:00:30Z'), patientId, condition: 'NIBP_SYS_HIGH', type: 'physiological', priority: 'PM', bed: p, value: 168, limit: 160, ackAfterS: 95, lastsS: 120 });
  alarm(rows, { at: Date.parse('2026-03-04T14:05:00Z'), patientId, condition: 'TEMP_HIGH', type: 'physiological', priority: 'PL', bed: p, value: 38.6, limit: 38.5, ackAfterS: null, lastsS: 1500 });
  alarm(rows, { at: Date.parse('2026-03-04T10:10:30Z'), patientId, condition: 'SENSOR_OFF', type: 'technical', priority: 'PM', bed: p, value: null, limit: null, ackAfterS: 20, lastsS: 1800 });
  // The rest of the ward: busier by day, a quiet night.
  const dayStart = Date.parse('2026-03-03T23:00:00Z');
  for (let i = 0; i < 140; i++) {
    const u = noise(i, 20);
    const hourOfDay = Math.floor(24 * (0.25 + 0.75 * Math.pow(noise(i, 21), 0.8)) * (u < 0.15 ? 0.3 : 1)) % 24;
    const at = dayStart + hourOfDay * HOUR + Math.floor(noise(i, 22) * 3600) * 1000;
    const bed = String(1 + Math.floor(noise(i, 23) * 16));
    const patient = otherPatients[Number(bed) % otherPatients.length]!;
    const ackAfterS = noise(i, 24) < 0.82 ? Math.round(8 + 170 * Math.pow(noise(i, 25), 2)) : null;
    const lastsS = Math.round(30 + 1100 * Math.pow(noise(i, 26), 2));
    if (noise(i, 27) < 0.74) {
      const [condition, priority, value, limit] = PHYSIOLOGICAL[Math.floor(noise(i, 28) * PHYSIOLOGICAL.length)]!;
      alarm(rows, { at, patientId: patient, condition, type: 'physiological', priority, bed, value, limit, ackAfterS, lastsS });
    } else {
      const [condition, priority, hasBed] = TECHNICAL[Math.floor(noise(i, 29) * TECHNICAL.length)]!;
      alarm(rows, { at, patientId: hasBed ? patient : null, condition, type: 'technical', priority, bed: hasBed ? bed : null, value: null, limit: null, ackAfterS, lastsS });
    }
  }
  return rows.sort((a, b) => a.at - b.at);
}

export async function seedReportData(sql: Sql): Promise<{ patientId: number; doctorId: number }> {
  const [{ id: patientId }] = await sql<[{ id: number }]>`
    INSERT INTO patients (mrn, name, birth_date) VALUES (${PATIENT.mrn}, ${PATIENT.name}, ${PATIENT.birthDate}) RETURNING id`;
  const others: number[] = [];
  const names = ['Jonas Weber', 'Aylin Demir', 'Peter Novak', 'Sofia Rossi', 'Henrik Larsen', 'Fatima Haddad', 'Tomasz Kowalski', 'Grace Okafor', 'Lena Schulz', 'Mateo García', 'Ingrid Berg', 'Yusuf Arslan'];
  for (const [i, name] of names.entries()) {
    const birth = `19${String(38 + ((i * 7) % 55)).padStart(2, '0')}-${String(1 + ((i * 5) % 12)).padStart(2, '0')}-${String(1 + ((i * 11) % 28)).padStart(2, '0')}`;
    const [{ id }] = await sql<[{ id: number }]>`INSERT INTO patients (mrn, name, birth_date) VALUES (${`MRN-${310200 + i * 17}`}, ${name}, ${birth}) RETURNING id`;
    others.push(id);
  }
  await insertRollup(sql, 'vitals_1m', patientId, minuteRows(patientId));
  await insertRollup(sql, 'vitals_1h', patientId, hourRows());

  const alarms = wardAlarms(patientId, others);
  await sql.unsafe(
    `INSERT INTO alarm_events (station_id, event_id, patient_id, at, alarm_id, phase, condition, type, priority, state, inactivation, bed_id, value, limit_value)
     SELECT $1, e, p, a, id, ph, c, ty, pr, CASE WHEN ph = 'end' THEN 'inactive' ELSE 'active' END, ina, b, v, l
     FROM unnest($2::bigint[], $3::bigint[], $4::text[]::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::real[], $13::real[])
       AS t(e, p, a, id, ph, c, ty, pr, ina, b, v, l)`,
    [WARD.id, alarms.map((_, i) => i + 1), alarms.map((a) => a.patientId), alarms.map((a) => new Date(a.at).toISOString()), alarms.map((a) => a.alarmId), alarms.map((a) => a.phase), alarms.map((a) => a.condition), alarms.map((a) => a.type), alarms.map((a) => a.priority), alarms.map((a) => a.inactivation), alarms.map((a) => a.bed), alarms.map((a) => a.value), alarms.map((a) => a.limit)] as never[],
  );

  const [{ id: clinicId }] = await sql<[{ id: number }]>`INSERT INTO clinics (name, city, timezone) VALUES ('North Harbour Clinic', 'Hamburg', ${REPORT_ZONE}) RETURNING id`;
  const [{ id: doctorId }] = await sql<[{ id: number }]>`
    INSERT INTO doctors (name, specialization, clinic_id, consultation_fee_cents) VALUES ('Dr Elena Fischer', 'cardiology', ${clinicId}, 9000) RETURNING id`;
  // 08:00 to 16:20 local in 20-minute slots, with a lunch break; some by video, one cancelled, one completed.
  const slots = [0, 1, 2, 3, 5, 6, 7, 8, 9, 14, 15, 16, 18, 19, 20, 22, 23, 24];
  for (const [i, slot] of slots.entries()) {
    const start = new Date(t0 + slot * 20 * MINUTE);
    const end = new Date(start.getTime() + 20 * MINUTE);
    const status = i === 4 ? 'cancelled' : i === 0 || i === 1 ? 'completed' : i === 2 ? 'no_show' : 'scheduled';
    const mode = i % 4 === 3 ? 'video' : 'in_person';
    await sql`INSERT INTO appointments (doctor_id, patient_id, during, status, mode) VALUES (${doctorId}, ${i === 6 ? patientId : others[i % others.length]!}, tstzrange(${start}, ${end}), ${status}, ${mode})`;
  }
  return { patientId, doctorId };
}
