import type { RowFilterValue, RowPredicate } from '@gatehouse/core';

/**
 * A row predicate as one readable, dialect-neutral line for `gatehouse policy explain`:
 * `region = 'eu' AND NOT (status IN ('closed'))`. For people only: the gateway never sends this
 * text anywhere; each dialect binds the values with its own quoting rules.
 */
export function predicateText(predicate: RowPredicate): string {
  switch (predicate.kind) {
    case 'eq':
      return predicate.value === null ? `${predicate.column} IS NULL` : `${predicate.column} = ${valueText(predicate.value)}`;
    case 'in':
      return predicate.values.length === 0 ? `FALSE (${predicate.column} IN an empty list)` : `${predicate.column} IN (${predicate.values.map(valueText).join(', ')})`;
    case 'not':
      return `NOT (${predicateText(predicate.predicate)})`;
    default:
      return predicate.predicates.map((part) => (part.kind === 'and' || part.kind === 'or' ? `(${predicateText(part)})` : predicateText(part))).join(` ${predicate.kind.toUpperCase()} `);
  }
}

function valueText(value: RowFilterValue): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return String(value);
}
