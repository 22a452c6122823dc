import type { Sql } from '../db/sql.js';
import { run } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';

export const RECORD_TYPES = ['diagnosis', 'prescription', 'lab', 'note'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface MedicalRecord {
  readonly id: number;
  readonly patientId: number;
  readonly type: RecordType;
  readonly authorId: number;
  readonly authorName: string;
  /** ISO-8601 UTC with microseconds: exact, so it can be a keyset cursor. */
  readonly createdAt: string;
  readonly body: Record<string, unknown>;
}

const COLUMNS = `r.id, r.patient_id AS "patientId", r.type, r.author_id AS "authorId", u.display_name AS "authorName",
       to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt", r.body`;

/**
 * A patient's records, newest first, in [$2, $3), after the cursor ($4, $5). The cursor has a
 * sentinel ('infinity', max id) on the first page instead of an "IS NULL OR" branch, so the whole
 * condition is an index range on medical_records_patient_created, scanned backwards.
 */
const listRecords = (typeFilter: string) => `
SELECT ${COLUMNS}
FROM medical_records r JOIN users u ON u.id = r.author_id
WHERE r.patient_id = $1${typeFilter} AND r.created_at >= $2::text::timestamptz AND r.created_at < $3::text::timestamptz
  AND (r.created_at, r.id) < ($4::text::timestamptz, $5::bigint)
ORDER BY r.created_at DESC, r.id DESC
LIMIT $6`;
export const LIST_RECORDS = listRecords('');

/** The same with a type filter ($7): index medical_records_patient_type_created. */
export const LIST_RECORDS_OF_TYPE = listRecords(' AND r.type = $7');

export const GET_RECORD = `
SELECT ${COLUMNS}
FROM medical_records r JOIN users u ON u.id = r.author_id
WHERE r.id = $1`;

const INSERT_RECORD = `
WITH r AS (
  INSERT INTO medical_records (patient_id, type, author_id, body) VALUES ($1, $2, $3, $4::jsonb) RETURNING *
)
SELECT ${COLUMNS} FROM r JOIN users u ON u.id = r.author_id`;

const MAX_ID = '9223372036854775807';
/** A record body is a document, not an attachment store. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface RecordQuery {
  readonly type?: RecordType;
  readonly from?: string;
  readonly to?: string;
  readonly cursor?: string;
  readonly limit: number;
}

/** Medical records: append-only, read through keyset pages. */
export class MedicalRecords {
  constructor(private readonly sql: Sql) {}

  async create(patientId: number, type: RecordType, authorId: number, body: Record<string, unknown>): Promise<MedicalRecord> {
    const json = JSON.stringify(body);
    if (Buffer.byteLength(json) > MAX_BODY_BYTES) throw new ApiError('payload_too_large', `a record body may be at most ${MAX_BODY_BYTES} bytes of JSON`);
    try {
      const [row] = await run<MedicalRecord>(this.sql, INSERT_RECORD, [patientId, type, authorId, body]);
      return row!;
    } catch (error) {
      if ((error as { code?: string }).code === '23503') throw new ApiError('patient_not_found', `no patient with id ${patientId}`);
      throw error;
    }
  }

  async get(id: number): Promise<MedicalRecord | null> {
    const [row] = await run<MedicalRecord>(this.sql, GET_RECORD, [id]);
    return row ?? null;
  }

  /** One page; `items` empty with no cursor may mean an unknown patient (the caller checks). */
  async list(patientId: number, query: RecordQuery): Promise<{ items: MedicalRecord[]; nextCursor: string | null }> {
    const after = decodeCursor(query.cursor, ['string', 'number']);
    const params: unknown[] = [patientId, query.from ?? '-infinity', query.to ?? 'infinity', after?.[0] ?? 'infinity', after ? String(after[1]) : MAX_ID, query.limit + 1];
    if (query.type) params.push(query.type);
    let rows: MedicalRecord[];
    try {
      rows = await run<MedicalRecord>(this.sql, query.type ? LIST_RECORDS_OF_TYPE : LIST_RECORDS, params);
    } catch (error) {
      // 22007/22008: a from/to/cursor that is not a time.
      if (['22007', '22008'].includes((error as { code?: string }).code ?? '')) throw new ApiError('invalid_request', 'from, to and cursor must be times (ISO-8601)');
      throw error;
    }
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt, last.id]) : null };
  }
}
