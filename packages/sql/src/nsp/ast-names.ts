import { asNode } from './ast-node.js';

/** Parser bookkeeping, not part of the statement. */
const SKIPPED_KEYS = new Set(['loc', 'tableList', 'columnList']);

/**
 * Every string held anywhere in an AST, lower-cased (doubled backticks resolved). Used to
 * cross-check the parser against the lexer: an identifier the lexer sees that appears nowhere in
 * the AST means the parser dropped part of the statement. Literal values should already be
 * placeholders in the text handed to the parser, so this set holds names and keywords only.
 */
export function collectAstNames(ast: unknown): Set<string> {
  const names = new Set<string>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      const lower = value.toLowerCase();
      names.add(lower.includes('``') ? lower.replaceAll('``', '`') : lower);
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else {
      const node = asNode(value);
      if (!node) continue;
      for (const key in node) if (!SKIPPED_KEYS.has(key)) stack.push(node[key]);
    }
  }
  return names;
}
