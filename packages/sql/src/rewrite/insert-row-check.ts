import type { RowFilterValue, RowPredicate } from '@gatehouse/core';
import type { AppliedRowFilter } from './types.js';
import { RewriteRefusal } from './types.js';

/** A value written by an INSERT as the statement spells it; `other` = anything not a plain literal. */
export type WrittenValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'param' }
  | { readonly kind: 'other' };

/** Looks a predicate column up in one row; undefined when the INSERT does not name the column. */
export type RowLookup = (column: string) => WrittenValue | undefined;

/**
 * Refuses an INSERT row that the filter would not let the principal read. Evaluated with SQL's
 * three-valued logic, like the rewritten reads: only rows the filter certainly matches pass.
 * Messages name the rule and the row number, never a value.
 */
export function checkInsertRow(filter: AppliedRowFilter, table: string, rowNumber: number, lookup: RowLookup): void {
  const rules = filter.rules.join(', ');
  const verdict = evaluate(filter.predicate, (column) => {
    const written = lookup(column);
    if (written === undefined) {
      throw new RewriteRefusal(
        `INSERT into ${table} must name column ${column}, which the row filter of rule ${rules} depends on`,
      );
    }
    if (written.kind === 'param') {
      throw new RewriteRefusal(
        `INSERT into ${table} binds column ${column} from a parameter; the row filter of rule ${rules} can only be checked on literal values`,
      );
    }
    if (written.kind === 'other') {
      throw new RewriteRefusal(
        `INSERT into ${table} computes column ${column}; the row filter of rule ${rules} can only be checked on literal values`,
      );
    }
    return written;
  });
  if (verdict !== true) {
    throw new RewriteRefusal(`INSERT into ${table}: row ${rowNumber} is outside the row filter of rule ${rules}`);
  }
}

type Truth = boolean | null;
type Literal = Exclude<WrittenValue, { kind: 'param' } | { kind: 'other' }>;

function evaluate(predicate: RowPredicate, valueOf: (column: string) => Literal): Truth {
  switch (predicate.kind) {
    case 'eq':
      return compare(valueOf(predicate.column), predicate.value);
    case 'in': {
      const written = valueOf(predicate.column);
      let result: Truth = false;
      for (const value of predicate.values) result = or(result, compare(written, value));
      return result;
    }
    case 'not': {
      const inner = evaluate(predicate.predicate, valueOf);
      return inner === null ? null : !inner;
    }
    case 'and': {
      let result: Truth = true;
      for (const p of predicate.predicates) result = and(result, evaluate(p, valueOf));
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const p of predicate.predicates) result = or(result, evaluate(p, valueOf));
      return result;
    }
  }
}

/**
 * `written = wanted` as the server would decide it. A null wanted value means IS NULL (two-valued).
 * Comparisons whose outcome depends on the server's type coercion (a quoted number against a numeric
 * filter, …) are refused rather than guessed: under NOT a wrong guess would admit a row.
 */
function compare(written: Literal, wanted: RowFilterValue): Truth {
  if (wanted === null) return written.kind === 'null';
  if (written.kind === 'null') return null;
  if (typeof wanted === 'string' && written.kind === 'string') return written.value === wanted;
  if (typeof wanted === 'number' && written.kind === 'number') {
    const parsed = Number(written.text);
    // Only exact integers are compared: 0.1 + 0.2 style rounding must not decide visibility.
    if (Number.isSafeInteger(parsed) && Number.isSafeInteger(wanted)) return parsed === wanted;
  }
  if (typeof wanted === 'boolean' && written.kind === 'boolean') return written.value === wanted;
  throw new RewriteRefusal('an INSERT value has a different type than the row filter expects; cannot check it statically');
}

function and(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

function or(a: Truth, b: Truth): Truth {
  if (a === true || b === true) return true;
  return a === null || b === null ? null : false;
}
