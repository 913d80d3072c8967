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

/**
 * Which filter applies to `database.<any schema>.table`: the server resolves an unqualified name
 * through a search path the gateway cannot see (PostgreSQL `SET search_path`, a T-SQL default schema
 * that falls back to dbo), so a filter written for any schema must cover it.
 */
export type AnySchemaRowFilterLookup = (database: string, table: string) => AppliedRowFilter | undefined;

export interface RewriteRequest {
  readonly text: string;
  readonly dialect: SqlDialect;
  /** The session's current database; unqualified names resolve against it like the classifier does. */
  readonly database?: string;
  /** The session's default schema (postgres search_path head, mssql default schema). */
  readonly schema?: string;
  readonly filterFor: RowFilterLookup;
  /**
   * For names written without a schema (PostgreSQL, T-SQL): a filter that applies to the table in
   * any schema also applies. Absent: only `filterFor` of the name resolved with `schema` counts.
   */
  readonly filterForAnySchema?: AnySchemaRowFilterLookup;
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
