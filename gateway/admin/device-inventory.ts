import type { Database } from 'better-sqlite3';

/** Every device ever registered, for the biomedical engineering inventory (no keys, no patients). */
export const SELECT_INVENTORY = `SELECT d.id, d.model, d.transport, d.bed_id AS bedId, b.label AS bedLabel, d.created_at AS registeredAt, d.revoked_at AS revokedAt
FROM devices d LEFT JOIN beds b ON b.id = d.bed_id ORDER BY d.id`;

const COLUMNS = ['id', 'model', 'transport', 'bed', 'bed_label', 'registered_at', 'status', 'revoked_at'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function deviceInventoryCsv(db: Database): { csv: string; rows: number } {
  const rows = db.prepare(SELECT_INVENTORY).all() as Array<{ id: string; model: string; transport: string; bedId: string | null; bedLabel: string | null; registeredAt: number; revokedAt: number | null }>;
  const lines = [COLUMNS.join(',')];
  for (const r of rows) {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    lines.push([r.id, r.model, r.transport, r.bedId, r.bedLabel, iso(r.registeredAt), r.revokedAt === null ? 'active' : 'revoked', iso(r.revokedAt)].map(csvField).join(','));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: rows.length };
}
