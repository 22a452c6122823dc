/** Walks a PostgreSQL `EXPLAIN (FORMAT JSON)` plan and collects what `pick` finds in each node. */
function collect(plan: unknown, pick: (node: Record<string, unknown>) => string | null): string[] {
  const found: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    const hit = pick(node);
    if (hit !== null) found.push(hit);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk(plan as Record<string, unknown>);
  return found;
}

/** The index names in a JSON plan (every node, recursively). */
export const indexesIn = (plan: unknown): string[] => collect(plan, (node) => (typeof node['Index Name'] === 'string' ? node['Index Name'] : null));

/** Tables read by a sequential scan. */
export const seqScansIn = (plan: unknown): string[] => collect(plan, (node) => (node['Node Type'] === 'Seq Scan' ? String(node['Relation Name']) : null));

/** Node types in a JSON plan (every node, recursively): e.g. whether a plan sorts. */
export const nodeTypesIn = (plan: unknown): string[] => collect(plan, (node) => String(node['Node Type']));

/** The first node of `type` (depth first), or null: e.g. the LIMIT, to look at what it reads. */
export function firstNode(plan: unknown, type: string): Record<string, unknown> | null {
  const node = plan as Record<string, unknown>;
  if (node['Node Type'] === type) return node;
  for (const child of (node.Plans as unknown[] | undefined) ?? []) {
    const hit = firstNode(child, type);
    if (hit) return hit;
  }
  return null;
}
