import type { RowPredicate, SqlDialect } from '@gatehouse/core';
import { sqlIdentifier, sqlLiteral } from './sql-literals.js';

/** Always-true and always-false conditions every dialect accepts (T-SQL has no TRUE/FALSE). */
const MATCH_ALL = '(1 = 1)';
const MATCH_NONE = '(1 = 0)';

/**
 * A predicate as a SQL condition over `qualifier.column` (the qualifier already quoted). Every
 * value is one literal; `null` is IS NULL; `in` with an empty list matches nothing. NOT follows
 * SQL's three-valued logic: a row whose column is NULL is outside both `region = 'eu'` and
 * `NOT (region = 'eu')`, so a filter never widens to unknown values.
 */
export function predicateSql(dialect: SqlDialect, predicate: RowPredicate, qualifier: string): string {
  const column = (name: string): string => `${qualifier}.${sqlIdentifier(dialect, name)}`;
  switch (predicate.kind) {
    case 'eq':
      return predicate.value === null
        ? `(${column(predicate.column)} IS NULL)`
        : `(${column(predicate.column)} = ${sqlLiteral(dialect, predicate.value)})`;
    case 'in': {
      const present = predicate.values.filter((value) => value !== null);
      const parts: string[] = [];
      if (present.length > 0) {
        parts.push(`${column(predicate.column)} IN (${present.map((value) => sqlLiteral(dialect, value)).join(', ')})`);
      }
      if (present.length !== predicate.values.length) parts.push(`${column(predicate.column)} IS NULL`);
      return parts.length === 0 ? MATCH_NONE : `(${parts.join(' OR ')})`;
    }
    case 'not':
      return `(NOT ${predicateSql(dialect, predicate.predicate, qualifier)})`;
    case 'and':
      return predicate.predicates.length === 0
        ? MATCH_ALL
        : `(${predicate.predicates.map((p) => predicateSql(dialect, p, qualifier)).join(' AND ')})`;
    case 'or':
      return predicate.predicates.length === 0
        ? MATCH_NONE
        : `(${predicate.predicates.map((p) => predicateSql(dialect, p, qualifier)).join(' OR ')})`;
  }
}

/** The columns a predicate reads (for refusing writes that would move a row out of the filter). */
export function predicateColumns(predicate: RowPredicate, into: Set<string> = new Set()): Set<string> {
  switch (predicate.kind) {
    case 'eq':
    case 'in':
      into.add(predicate.column);
      break;
    case 'not':
      predicateColumns(predicate.predicate, into);
      break;
    case 'and':
    case 'or':
      for (const p of predicate.predicates) predicateColumns(p, into);
  }
  return into;
}
