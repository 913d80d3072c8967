import type { RowPredicate, SqlDialect } from '@gatehouse/core';

/** The combined row filter for one table: filters of the same table intersect (AND). */
export interface AppliedRowFilter {
  readonly predicate: RowPredicate;
  /** Policy rules the predicate came from: named in refusals, never a value. */
  readonly rules: readonly string[];
}

/**
 * Which filter applies to a dotted object name (as in ObjectRef.name), or undefined. The caller
 * matches policy globs, so this package needs no policy dependency and names resolve exactly as
 * the classifier resolves them.
 */
export type RowFilterLookup = (objectName: string) => AppliedRowFilter | undefined;

export interface RewriteRequest {
  readonly text: string;
  readonly dialect: SqlDialect;
  /** The session's current database; unqualified names resolve against it like the classifier does. */
  readonly database?: string;
  /** The session's default schema (postgres search_path head, mssql default schema). */
  readonly schema?: string;
  readonly filterFor: RowFilterLookup;
}

export type RewriteResult =
  | { readonly kind: 'unchanged' }
  /** `tables`: dotted names of every filtered table the rewrite covers, sorted. */
  | { readonly kind: 'rewritten'; readonly text: string; readonly tables: readonly string[] }
  /** `reason` names rules and tables, never a value. */
  | { readonly kind: 'refused'; readonly reason: string };

/** Thrown inside a dialect rewriter when a statement cannot be rewritten with certainty. */
export class RewriteRefusal extends Error {
  override readonly name = 'RewriteRefusal';
}

/** A replacement of text[start, end) (UTF-16 indexes into the original text). */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}
