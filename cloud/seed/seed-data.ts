/**
 * The shape of the seed dataset, pure and deterministic (same sizes → same data): who the
 * doctors are, when they work, which slots are taken and by whom. Patients are assigned so that
 * neither a doctor nor a patient is ever double-booked, without any lookup: every slot lies
 * inside one UTC hour (blocks start on the hour, slot lengths divide 60, clinic offsets are whole
 * hours), and within one hour each (doctor, quarter) pair maps to a distinct patient.
 */

export const SPECIALIZATIONS = [
  'general_practice', 'cardiology', 'dermatology', 'neurology', 'pediatrics', 'orthopedics', 'gynecology', 'ophthalmology', 'psychiatry', 'oncology',
  'endocrinology', 'gastroenterology', 'pulmonology', 'urology', 'nephrology', 'rheumatology', 'otolaryngology', 'allergy', 'geriatrics', 'infectious_disease',
] as const;

/** 50 cities; each has one IANA zone with whole-hour offsets. */
const ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Athens', 'America/New_York', 'America/Chicago'] as const;
export const CITIES = Array.from({ length: 50 }, (_, i) => ({ name: `City ${String(i + 1).padStart(2, '0')}`, timezone: ZONES[i % ZONES.length]! }));

const FIRST = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eva', 'Finn', 'Gia', 'Hugo', 'Iris', 'Jon', 'Kai', 'Lena', 'Milo', 'Nina', 'Omar', 'Pia', 'Quin', 'Rosa', 'Sam', 'Tara', 'Uma', 'Vic', 'Wes', 'Xena', 'Yara', 'Zeno'];
const LAST = ['Adler', 'Berg', 'Costa', 'Dietz', 'Evans', 'Fischer', 'Garcia', 'Horn', 'Ito', 'Jensen', 'Klein', 'Lopez', 'Meyer', 'Novak', 'Olsen', 'Peters', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka', 'Ueda', 'Vogel', 'Weber', 'Young', 'Zimmer'];

export function personName(i: number): string {
  return `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;
}

/** A fast 32-bit integer hash (decisions that must be the same on every run). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export interface SeedBlock {
  readonly weekday: number;
  readonly startHour: number;
  readonly endHour: number;
  readonly slotMinutes: number;
}

/** Weekdays 08-12 and 13-17; every fifth doctor also Saturday 09-12. Slot lengths divide 60. */
export function doctorBlocks(doctorIndex: number): SeedBlock[] {
  const slotMinutes = [15, 20, 30, 30, 30, 60][doctorIndex % 6]!;
  const blocks: SeedBlock[] = [];
  for (let weekday = 1; weekday <= 5; weekday++) {
    blocks.push({ weekday, startHour: 8, endHour: 12, slotMinutes }, { weekday, startHour: 13, endHour: 17, slotMinutes });
  }
  if (doctorIndex % 5 === 0) blocks.push({ weekday: 6, startHour: 9, endHour: 12, slotMinutes });
  return blocks;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Patient index for doctor `d` at the slot starting `startMs`. Within one UTC hour h, the map
 * d → (d·m + h·c) mod D is a bijection (m coprime with D), and the quarter q of the hour picks a
 * different band of patients, so two appointments in one hour never share a patient unless they
 * are the same doctor's same quarter (impossible: one slot per doctor per quarter start).
 * Appointments in different hours cannot overlap (each lies within its hour).
 */
export class PatientAssigner {
  private readonly m: number;
  private readonly bands: number;

  constructor(
    private readonly doctors: number,
    patients: number,
  ) {
    this.bands = Math.floor(patients / doctors);
    if (this.bands < 4) throw new Error(`the seed needs at least 4 patients per doctor (got ${patients} patients for ${doctors} doctors)`);
    let m = Math.max(2, Math.floor(doctors * 0.618));
    while (gcd(m, doctors) !== 1) m++;
    this.m = m;
  }

  patient(doctorIndex: number, startMs: number): number {
    const hour = Math.floor(startMs / 3_600_000);
    const quarter = Math.floor((startMs % 3_600_000) / 900_000);
    const shuffled = (doctorIndex * this.m + hour * 7) % this.doctors;
    return shuffled + this.doctors * ((hour * 4 + quarter) % this.bands);
  }
}

/** Offset (ms, east positive) of `timezone` at local noon of the UTC date `dayMs`: DST moves at night, outside working hours. */
export function noonOffsetMs(dayMs: number, timezone: string): number {
  const noon = dayMs + 12 * 3_600_000;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(new Date(noon))
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute)) - noon;
}

/** Share of slots taken: 70 % in the past, falling from 60 % to 10 % over the coming weeks. */
export function fillRate(daysAhead: number): number {
  if (daysAhead < 0) return 0.7;
  return Math.max(0.1, 0.6 - (daysAhead / 56) * 0.5);
}

export function pastStatus(r: number): 'completed' | 'no_show' | 'cancelled' {
  return r < 0.85 ? 'completed' : r < 0.91 ? 'no_show' : 'cancelled';
}

export function futureStatus(r: number): 'scheduled' | 'cancelled' {
  return r < 0.93 ? 'scheduled' : 'cancelled';
}

const DIAGNOSES = [['J06.9', 'Acute upper respiratory infection'], ['I10', 'Essential hypertension'], ['E11.9', 'Type 2 diabetes mellitus'], ['M54.5', 'Low back pain'], ['F41.1', 'Generalized anxiety disorder'], ['K21.9', 'Gastro-oesophageal reflux disease']] as const;
const DRUGS = [['amoxicillin', '500 mg', 'three times daily for 7 days'], ['lisinopril', '10 mg', 'once daily'], ['metformin', '850 mg', 'twice daily'], ['ibuprofen', '400 mg', 'as needed, at most three times daily']] as const;
const LABS = [['HbA1c', 6.1, '%'], ['LDL', 3.2, 'mmol/L'], ['CRP', 4.0, 'mg/L'], ['TSH', 2.1, 'mIU/L']] as const;

/** A record body of the given type, JSON text (notes are the long ones). */
export function recordBody(type: 'diagnosis' | 'prescription' | 'lab' | 'note', r: number): string {
  const i = Math.floor(r * 1000);
  switch (type) {
    case 'diagnosis': {
      const [code, text] = DIAGNOSES[i % DIAGNOSES.length]!;
      return JSON.stringify({ code, system: 'ICD-10', text });
    }
    case 'prescription': {
      const [drug, dose, frequency] = DRUGS[i % DRUGS.length]!;
      return JSON.stringify({ drug, dose, frequency, refills: i % 3 });
    }
    case 'lab': {
      const [test, value, unit] = LABS[i % LABS.length]!;
      return JSON.stringify({ test, value: Math.round(value * (0.7 + r * 0.6) * 10) / 10, unit });
    }
    case 'note':
      return JSON.stringify({ text: 'Patient seen for follow-up. History reviewed, examination unremarkable, plan discussed and agreed. '.repeat(1 + (i % 6)) });
  }
}
