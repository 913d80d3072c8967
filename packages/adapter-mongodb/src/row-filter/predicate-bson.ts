import type { Document } from 'bson';
import type { RowFilter, RowFilterValue, RowPredicate } from '@gatehouse/core';
import { RowFilterRefusal } from './refusal.js';

/**
 * A row predicate as a MongoDB query filter. Values are bound as typed BSON values under `$eq` and
 * `$in`, so a string such as `{"$gt": ""}` or `$where` stays a string: it is never read as an
 * operator, an expression or a field path. Columns are field paths from the policy author; one that
 * could be read as an operator is refused.
 *
 * `not` keeps SQL's three-valued logic at least as strictly: a document whose field is missing or
 * null matches neither `p` nor `not p` (MongoDB's `$nor` alone would let it through).
 */
export function predicateFilter(predicate: RowPredicate, rule: string): Document {
  switch (predicate.kind) {
    case 'eq':
      return { [fieldPath(predicate.column, rule)]: { $eq: bsonValue(predicate.value, rule) } };
    case 'in':
      return { [fieldPath(predicate.column, rule)]: { $in: predicate.values.map((value) => bsonValue(value, rule)) } };
    case 'not': {
      const present = [...columnsOf(predicate.predicate)].map((column) => ({ [fieldPath(column, rule)]: { $ne: null } }));
      return { $and: [{ $nor: [predicateFilter(predicate.predicate, rule)] }, ...present] };
    }
    case 'and':
      return predicate.predicates.length === 0 ? {} : { $and: predicate.predicates.map((inner) => predicateFilter(inner, rule)) };
    case 'or':
      // An empty `or` is false: `$nor: [{}]` matches no document.
      return predicate.predicates.length === 0 ? { $nor: [{}] } : { $or: predicate.predicates.map((inner) => predicateFilter(inner, rule)) };
    default:
      throw new RowFilterRefusal(rule, 'the row filter has a predicate kind this gateway does not know');
  }
}

/** Every filter that applies, as one query filter (filters of the same collection intersect). */
export function combinedFilter(filters: readonly RowFilter[]): Document {
  const parts = filters.map((filter) => predicateFilter(filter.predicate, filter.rule));
  return parts.length === 1 ? parts[0]! : { $and: parts };
}

/** `original AND filter`, keeping the client's filter as it was sent. */
export function andFilter(original: unknown, filter: Document): Document {
  if (original === undefined || original === null) return filter;
  if (typeof original === 'object' && !Array.isArray(original) && Object.keys(original).length === 0) return filter;
  return { $and: [original, filter] };
}

export function columnsOf(predicate: RowPredicate, into = new Set<string>()): Set<string> {
  switch (predicate.kind) {
    case 'eq':
    case 'in':
      into.add(predicate.column);
      break;
    case 'not':
      columnsOf(predicate.predicate, into);
      break;
    case 'and':
    case 'or':
      for (const inner of predicate.predicates) columnsOf(inner, into);
      break;
    default:
      break;
  }
  return into;
}

function fieldPath(column: string, rule: string): string {
  if (column.length === 0 || column.startsWith('$') || column.includes('\0') || column.split('.').some((part) => part.length === 0)) {
    throw new RowFilterRefusal(rule, 'the row filter names a field that is not a plain field path');
  }
  return column;
}

/** Only the typed scalars of the contract; anything else (an object smuggled in) is refused. */
function bsonValue(value: RowFilterValue, rule: string): RowFilterValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new RowFilterRefusal(rule, 'the row filter has a value that is not a string, number, boolean or null');
}
