/**
 * Row filters: dialect-neutral predicates a policy attaches to an allow rule so a principal reads
 * and writes only some rows of a table or collection. Values are already resolved from the
 * principal's attributes when a Decision carries them, and are always bound as typed literals by
 * the dialect's own rules, never spliced as text.
 */
export type RowFilterValue = string | number | boolean | null;

export type RowPredicate =
  | { readonly kind: 'eq'; readonly column: string; readonly value: RowFilterValue }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly RowFilterValue[] }
  | { readonly kind: 'not'; readonly predicate: RowPredicate }
  | { readonly kind: 'and'; readonly predicates: readonly RowPredicate[] }
  | { readonly kind: 'or'; readonly predicates: readonly RowPredicate[] };

/** One table's filter from one rule. Several for the same table intersect (AND). */
export interface RowFilter {
  /** Object glob as written in policy (`*.*.customers`), matched against ObjectRef.name. */
  readonly pattern: string;
  readonly predicate: RowPredicate;
  /** The policy rule that asked for it. */
  readonly rule: string;
}
