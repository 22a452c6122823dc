import type { Sql, TransactionSql } from '../db/sql.js';
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

/**
 * Patients as the cloud knows them. Stations identify patients by MRN; the first batch that
 * names an MRN creates the record. MRN → id never changes, so it is cached per process.
 */
export class Patients {
  private readonly idByMrn = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  /** Ids for the MRNs a batch names, creating the patients not seen before. */
  async resolve(tx: TransactionSql, patients: readonly StationPatient[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    const missing = new Map<string, StationPatient>();
    for (const p of patients) {
      const id = this.idByMrn.get(p.mrn);
      if (id !== undefined) result.set(p.mrn, id);
      else missing.set(p.mrn, p);
    }
    if (missing.size === 0) return result;
    const list = [...missing.values()];
    await tx`
      INSERT INTO patients (mrn, name, birth_date)
      SELECT * FROM unnest(${list.map((p) => p.mrn)}::text[], ${list.map((p) => p.name)}::text[], ${list.map((p) => p.birthDate) as string[]}::date[])
      ON CONFLICT (mrn) DO NOTHING`;
    const rows = await tx<Array<{ id: number; mrn: string }>>`SELECT id, mrn FROM patients WHERE mrn = ANY(${list.map((p) => p.mrn)}::text[])`;
    for (const row of rows) {
      this.idByMrn.set(row.mrn, row.id);
      result.set(row.mrn, row.id);
    }
    return result;
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
    const rows = await this.sql.unsafe<Array<Patient & { sortName: string }>>(
      LIST_PATIENTS,
      [q === null ? null : escapeLike(q), q, after?.[0] ?? null, after?.[1] ?? null, options.limit + 1],
      { prepare: true },
    );
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(({ sortName: _sortName, ...p }) => p),
      nextCursor: rows.length > options.limit && last ? encodeCursor([last.sortName, last.id]) : null,
    };
  }
}
