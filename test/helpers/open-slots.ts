import type { Sql } from '../../cloud/db/sql.js';

/**
 * The table of open slots against its definition (open_slots_generate over each doctor's kept
 * days), from now on (slots that have begun are never offered): how many are kept and computed,
 * and a few of those missing from the table and of those it has extra. Both empty: exact.
 */
export async function openSlotsDivergence(sql: Sql): Promise<{ kept: number; computed: number; missing: unknown[]; extra: unknown[] }> {
  const want = `SELECT g.* FROM open_slots_doctors o, LATERAL open_slots_generate(ARRAY[o.doctor_id], open_slots_first_day(), o.through) g WHERE g.starts_at > now()`;
  const kept = `SELECT * FROM open_slots WHERE starts_at > now()`;
  const missing = await sql.unsafe(`${want} EXCEPT ${kept} ORDER BY 1, 2 LIMIT 5`);
  const extra = await sql.unsafe(`${kept} EXCEPT ${want} ORDER BY 1, 2 LIMIT 5`);
  const [counts] = await sql.unsafe<[{ kept: number; computed: number }]>(`SELECT (SELECT count(*)::int FROM (${kept}) k) AS kept, (SELECT count(*)::int FROM (${want}) w) AS computed`);
  return { kept: counts.kept, computed: counts.computed, missing: [...missing], extra: [...extra] };
}
