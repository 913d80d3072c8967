import type { AstNode } from '../nsp/ast-node.js';
import { asArray, asNode } from '../nsp/ast-node.js';

const LOGICAL = new Set(['AND', 'OR', 'XOR']);
const COMPARISONS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=']);
const LISTS = new Set(['IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN']);
/** String literals as the parser sees them (every literal is blanked to a `'…'` placeholder). */
const STRING_LITERALS = new Set(['single_quote_string', 'double_quote_string', 'string']);

/**
 * Whether a MySQL/MariaDB statement's WHERE and ON conditions cannot reveal anything about a row
 * they are evaluated on, so a filtered read may stay a mergeable derived table. Merged, MariaDB
 * evaluates the client's conditions before the filter's (verified on 10.11), and almost any
 * expression then leaks rows outside the filter: `name = 0` records each row's name in a
 * "Truncated incorrect DECIMAL value" warning (SHOW WARNINGS returns them), `EXP(…)` overflows,
 * SLEEP stalls, a subquery returns several rows. Safe, and so mergeable: no WHERE/ON at all, or only
 * comparisons of columns with string literals (the literal is converted, never the column),
 * `IN`/`BETWEEN` over string literals and `IS [NOT] NULL/TRUE/FALSE`, joined by AND/OR/NOT.
 * Everything else gets the materialized read. The select list, GROUP BY, HAVING and ORDER BY only
 * see rows that passed the WHERE, filter included.
 */
export function conditionsSafeToMerge(ast: unknown): boolean {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      stack.push(...value);
      continue;
    }
    const node = asNode(value);
    if (!node) continue;
    for (const key in node) {
      if (key === 'loc') continue;
      const child = node[key];
      if ((key === 'where' || key === 'on') && child !== null && child !== undefined && !isSafeCondition(child)) return false;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return true;
}

function isSafeCondition(value: unknown): boolean {
  const node = asNode(value);
  if (!node) return false;
  const operator = typeof node.operator === 'string' ? node.operator.toUpperCase() : '';
  switch (node.type) {
    case 'binary_expr':
      if (LOGICAL.has(operator)) return isSafeCondition(node.left) && isSafeCondition(node.right);
      if (COMPARISONS.has(operator)) return isColumnOrString(node.left) && isColumnOrString(node.right) && (isString(node.left) || isString(node.right));
      if (LISTS.has(operator)) return isColumnOrString(node.left) && isStringList(node.right);
      if (operator === 'IS' || operator === 'IS NOT') return isColumnOrString(node.left) && (asNode(node.right)?.type === 'null' || asNode(node.right)?.type === 'bool');
      return false;
    case 'unary_expr':
      return operator === 'NOT' && isSafeCondition(node.expr);
    case 'function':
      // The parser reads `NOT (…)` as a call of NOT.
      return isNotCall(node) && asArray(asNode(node.args)?.value).every(isSafeCondition);
    default:
      return false;
  }
}

function isString(value: unknown): boolean {
  return STRING_LITERALS.has(String(asNode(value)?.type));
}

function isColumnOrString(value: unknown): boolean {
  return asNode(value)?.type === 'column_ref' || isString(value);
}

function isStringList(value: unknown): boolean {
  const node = asNode(value);
  return node?.type === 'expr_list' && asArray(node.value).length > 0 && asArray(node.value).every(isString);
}

function isNotCall(node: AstNode): boolean {
  const parts = asArray(asNode(node.name)?.name);
  return parts.length === 1 && String(asNode(parts[0])?.value).toUpperCase() === 'NOT';
}
