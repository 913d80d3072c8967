/**
 * The libpg-query JSON tree, read without a full type model: every node is `{ TypeName: body }`,
 * lists are arrays, some fields hold a body directly (InsertStmt.relation is a bare RangeVar).
 */
export type PgNode = { readonly [key: string]: unknown };

export function asNode(value: unknown): PgNode | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as PgNode) : undefined;
}

export function asList(value: unknown): readonly PgNode[] {
  return Array.isArray(value) ? (value as PgNode[]) : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The type name and body of a wrapped node (`{ SelectStmt: {...} }` → ['SelectStmt', {...}]). */
export function unwrap(value: unknown): [string, PgNode] | undefined {
  const node = asNode(value);
  if (!node) return undefined;
  for (const key in node) {
    const body = asNode(node[key]);
    return body ? [key, body] : undefined;
  }
  return undefined;
}

/** A list of `{ String: { sval } }` nodes as plain strings (name parts, column lists). */
export function stringList(value: unknown): string[] {
  const out: string[] = [];
  for (const item of asList(value)) {
    const sval = asString(asNode(item['String'])?.['sval']);
    if (sval !== undefined) out.push(sval);
  }
  return out;
}
