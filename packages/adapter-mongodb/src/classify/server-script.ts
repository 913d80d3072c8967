import { isDocument } from './values.js';

const SCRIPT_OPERATORS = new Set(['$where', '$function', '$accumulator']);
const MAX_NODES = 100_000;
const MAX_DEPTH = 100;

/**
 * True when the value runs server-side JavaScript: a `$where`, `$function` or `$accumulator`
 * anywhere, or a BSON Code value. Bounded; a document too large or deep to scan counts as a script
 * (fail closed).
 */
export function runsServerScript(value: unknown): boolean {
  return visit(value, 0, { nodes: 0 });
}

function visit(node: unknown, depth: number, budget: { nodes: number }): boolean {
  if (++budget.nodes > MAX_NODES || depth > MAX_DEPTH) return true;
  if (Array.isArray(node)) {
    for (const item of node) if (visit(item, depth + 1, budget)) return true;
    return false;
  }
  if (isDocument(node)) {
    for (const key of Object.keys(node)) {
      if (SCRIPT_OPERATORS.has(key)) return true;
      if (visit(node[key], depth + 1, budget)) return true;
    }
    return false;
  }
  if (typeof node === 'object' && node !== null) {
    const tag = (node as { _bsontype?: unknown })._bsontype;
    return tag === 'Code';
  }
  return false;
}
