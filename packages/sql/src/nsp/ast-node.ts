/**
 * node-sql-parser ASTs are loosely typed (its bundled types are incomplete and differ per
 * dialect build), so the walkers read them through these small defensive accessors instead of
 * trusting the published interfaces.
 */
export type AstNode = Record<string, unknown>;

export function asNode(value: unknown): AstNode | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as AstNode) : undefined;
}

export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === null || value === undefined ? [] : [value];
}

/** A name as node-sql-parser stores it: a plain string, or `{ type, value }` for quoted forms. */
export function nameOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  const node = asNode(value);
  if (!node) return null;
  if (typeof node.value === 'string') return node.value;
  const expr = asNode(node.expr);
  if (expr && typeof expr.value === 'string') return expr.value;
  return null;
}

/** The parser keeps doubled backticks inside quoted names (`a``b`): resolve them like the server. */
export function unescapeName(name: string): string {
  return name.includes('``') ? name.replaceAll('``', '`') : name;
}

/** A subquery wrapper (`{ ast: { type: 'select' } }`) or a bare select node. */
export function selectOf(value: unknown): AstNode | undefined {
  const node = asNode(value);
  if (!node) return undefined;
  if (node.type === 'select') return node;
  const inner = asNode(node.ast);
  return inner && inner.type === 'select' ? inner : undefined;
}
