import { run, type Sql, type TransactionSql } from '../db/sql.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';

export interface Patient {
  readonly id: number;
  readonly mrn: string;
  readonly name: string;
  readonly birthDate: string | null;
}

export interface StationPatient {
  readonly mrn: string;
  readonly name: string;
  readonly birthDate: string | null;
}

/** The patients list: by name then id (index patients_name_keyset), optionally a name prefix or an MRN. */
export const LIST_PATIENTS = `
SELECT id, mrn, name, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", lower(name) AS "sortName"
FROM patients
WHERE ($1::text IS NULL OR lower(name) LIKE $1 || '%' OR mrn = $2)
  AND ($3::text IS NULL OR (lower(name), id) > ($3, $4::bigint))
ORDER BY lower(name), id
LIMIT $5`;

const escapeLike = (text: string): string => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

/** What a station's batch may write, by MRN. */
export interface ResolvedPatients {
  /** MRN → patient id, for the MRNs of the station's facility. */
  readonly ids: Map<string, number>;
  /** MRNs of patients of another facility: rows naming them are refused. */
  readonly foreign: Set<string>;
  /** Patients whose name or birth date the station gave differently (recorded, not merged). */
  readonly conflicts: number[];
}

const sameIdentity = (a: { name: string; birthDate: string | null }, b: StationPatient): boolean =>
  a.name.trim().toLowerCase() === b.name.trim().toLowerCase() && (b.birthDate === null || a.birthDate === b.birthDate);

/**
 * Patients as the cloud knows them. Stations identify patients by MRN within their facility (the
 * MRN's issuer): the first batch that names an MRN creates the record in the station's facility;
 * a station never writes a patient of another facility, and patients registered over REST belong
 * to the default facility. A known MRN with another name or birth date keeps the record as it is
 * and records a conflict for people to resolve. Known identities are cached per process.
 */
export class Patients {
  private readonly idByIdentity = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  /** Ids for the MRNs a batch names, creating the patients not seen before in `facility`. */
  async resolve(tx: TransactionSql, patients: readonly StationPatient[], facility: string, stationId: string): Promise<ResolvedPatients> {
    const result: ResolvedPatients = { ids: new Map(), foreign: new Set(), conflicts: [] };
    const identity = (p: StationPatient): string => [facility, p.mrn, p.name, p.birthDate ?? ''].join('\u0000');
    const missing = new Map<string, StationPatient>();
    for (const p of patients) {
      const id = this.idByIdentity.get(identity(p));
      if (id !== undefined) result.ids.set(p.mrn, id);
      else missing.set(p.mrn, p);
    }
    if (missing.size === 0) return result;
    const list = [...missing.values()];
    await tx`
      INSERT INTO patients (mrn, name, birth_date, facility)
      SELECT m, n, b, ${facility} FROM unnest(${list.map((p) => p.mrn)}::text[], ${list.map((p) => p.name)}::text[], ${list.map((p) => p.birthDate) as string[]}::date[]) AS x(m, n, b)
      ON CONFLICT (mrn) DO NOTHING`;
    const rows = await tx<Array<{ id: number; mrn: string; facility: string; name: string; birthDate: string | null }>>`
      SELECT id, mrn, facility, name, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate" FROM patients WHERE mrn = ANY(${list.map((p) => p.mrn)}::text[])`;
    for (const row of rows) {
      const sent = missing.get(row.mrn)!;
      if (row.facility !== facility) {
        result.foreign.add(row.mrn);
        continue;
      }
      if (!sameIdentity(row, sent)) {
        await tx`INSERT INTO patient_identity_conflicts (patient_id, station_id, station_name, station_birth_date)
          VALUES (${row.id}, ${stationId}, ${sent.name}, ${sent.birthDate}::date) ON CONFLICT DO NOTHING`;
        result.conflicts.push(Number(row.id));
      }
      this.idByIdentity.set(identity(sent), row.id);
      result.ids.set(row.mrn, row.id);
    }
    return result;
  }

  /** Open identity conflicts, newest first: what the cloud has beside what a station sent. */
  async conflicts(limit: number): Promise<Array<{ id: number; at: string; patientId: number; mrn: string; stationId: string; cloudName: string; cloudBirthDate: string | null; stationName: string; stationBirthDate: string | null }>> {
    const rows = await this.sql<Array<{ id: number; at: Date; patientId: number; mrn: string; stationId: string; cloudName: string; cloudBirthDate: string | null; stationName: string; stationBirthDate: string | null }>>`
      SELECT c.id, c.at, c.patient_id AS "patientId", p.mrn, c.station_id AS "stationId", p.name AS "cloudName",
             to_char(p.birth_date, 'YYYY-MM-DD') AS "cloudBirthDate", c.station_name AS "stationName",
             to_char(c.station_birth_date, 'YYYY-MM-DD') AS "stationBirthDate"
      FROM patient_identity_conflicts c JOIN patients p ON p.id = c.patient_id
      WHERE c.resolved_at IS NULL ORDER BY c.id DESC LIMIT ${limit}`;
    return rows.map((r) => ({ ...r, id: Number(r.id), patientId: Number(r.patientId), at: r.at.toISOString() }));
  }

  async get(id: number): Promise<Patient | null> {
    const [row] = await this.sql<Patient[]>`SELECT id, mrn, name, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate" FROM patients WHERE id = ${id}`;
    return row ?? null;
  }

  async exists(id: number): Promise<boolean> {
    const [row] = await this.sql`SELECT 1 FROM patients WHERE id = ${id}`;
    return row !== undefined;
  }

  async list(options: { q?: string; cursor?: string; limit: number }): Promise<{ items: Patient[]; nextCursor: string | null }> {
    const after = decodeCursor(options.cursor, ['string', 'number']);
    const q = options.q?.trim() || null;
    const rows = await run<Patient & { sortName: string }>(this.sql, LIST_PATIENTS, [q === null ? null : escapeLike(q), q, after?.[0] ?? null, after?.[1] ?? null, options.limit + 1]);
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(({ sortName: _sortName, ...p }) => p),
      nextCursor: rows.length > options.limit && last ? encodeCursor([last.sortName, last.id]) : null,
    };
  }
}
