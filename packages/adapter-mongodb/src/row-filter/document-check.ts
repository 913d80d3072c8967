import type { Document } from 'bson';
import type { RowFilterValue, RowPredicate } from '@gatehouse/core';
import { bsonTypeOf, isDocument, numberOf } from '../classify/values.js';

/** Three-valued logic, as SQL evaluates a filter over a row with NULLs. */
type Truth = 'true' | 'false' | 'unknown';

/** A value the check cannot compare with certainty (an array on the path, an exotic type). */
const UNCERTAIN = Symbol('uncertain');

/**
 * Whether a document the client writes lies inside the rows the predicate allows, so a principal
 * cannot write a document it could not read. Strict where MongoDB is lenient: a field holding an
 * array, or reached through one, never satisfies (a query would match any element; a write check
 * cannot pick one); a missing field is null.
 */
export function documentSatisfies(document: Document, predicate: RowPredicate): boolean {
  return evaluate(document, predicate) === 'true';
}

function evaluate(document: Document, predicate: RowPredicate): Truth {
  switch (predicate.kind) {
    case 'eq':
      return compare(valueAt(document, predicate.column), [predicate.value]);
    case 'in':
      return compare(valueAt(document, predicate.column), predicate.values);
    case 'not': {
      const inner = evaluate(document, predicate.predicate);
      return inner === 'unknown' ? 'unknown' : inner === 'true' ? 'false' : 'true';
    }
    case 'and': {
      let result: Truth = 'true';
      for (const inner of predicate.predicates) {
        const truth = evaluate(document, inner);
        if (truth === 'false') return 'false';
        if (truth === 'unknown') result = 'unknown';
      }
      return result;
    }
    case 'or': {
      let result: Truth = 'false';
      for (const inner of predicate.predicates) {
        const truth = evaluate(document, inner);
        if (truth === 'true') return 'true';
        if (truth === 'unknown') result = 'unknown';
      }
      return result;
    }
    default:
      return 'unknown';
  }
}

/** eq/in: null only equals null; a null or missing field compared with a value is unknown. */
function compare(actual: unknown, candidates: readonly RowFilterValue[]): Truth {
  if (actual === UNCERTAIN) return 'unknown';
  if (actual === null) return candidates.includes(null) ? 'true' : 'unknown';
  for (const candidate of candidates) if (candidate !== null && sameValue(actual, candidate)) return 'true';
  return 'false';
}

function sameValue(actual: unknown, expected: string | number | boolean): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && actual === expected;
  if (typeof expected === 'boolean') return typeof actual === 'boolean' && actual === expected;
  // Numbers compare by value across BSON number types, as MongoDB does.
  const n = numberOf(actual);
  return n !== undefined && n === expected;
}

/** The value at a dotted path: null when missing, UNCERTAIN when an array or non-scalar is in the way. */
function valueAt(document: Document, path: string): unknown {
  let current: unknown = document;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) return UNCERTAIN;
    if (!isDocument(current)) return current === undefined || current === null ? null : UNCERTAIN;
    current = current[part];
  }
  if (current === undefined || current === null) return null;
  if (Array.isArray(current) || isDocument(current)) return UNCERTAIN;
  const type = bsonTypeOf(current);
  if (type !== undefined && numberOf(current) === undefined) return UNCERTAIN;
  return current;
}
