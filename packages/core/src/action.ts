import type { Dialect } from './dialect.js';

export const CATEGORIES = [
  'read',
  'write',
  'ddl',
  'dcl',
  'admin',
  'transaction',
  'session',
  'procedure',
  'unknown',
] as const;
/** What kind of thing a statement does. `unknown` is never treated as a read. */
export type Category = (typeof CATEGORIES)[number];

export const FLAGS = [
  /** UPDATE/DELETE without WHERE; a multi write with an empty filter. */
  'unbounded',
  /** The text held more than one statement. */
  'multi-statement',
  /** What runs is not visible: EXECUTE, PREPARE … FROM, EXEC(...), sp_executesql, DO blocks. */
  'dynamic',
  /** A read that calls something that writes or controls the server. */
  'side-effect-function',
  /** Reads or writes server files or runs server programs. */
  'file-access',
  /** The parser failed, or the parser and the lexer disagreed. */
  'parse-error',
  /** Server-side JavaScript (MongoDB $where, $function, $accumulator). */
  'server-side-script',
  /** Changes who the session acts as: SET ROLE, EXECUTE AS, SET SESSION AUTHORIZATION. */
  'privilege-switch',
  /** Turns encryption, auditing or logging switches. */
  'security-setting',
  /** Larger than the classifier's limit; not parsed. */
  'too-large',
  /** MySQL executable comment whose content the server runs. */
  'executable-comment',
] as const;
export type Flag = (typeof FLAGS)[number];

export const OBJECT_KINDS = [
  'table',
  'column',
  'function',
  'procedure',
  'database',
  'schema',
  'collection',
  'role',
  'index',
  'sequence',
  'view',
  'file',
  'other',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export const OBJECT_ACCESSES = ['read', 'write', 'define', 'execute'] as const;
/** How an action touches an object: reads rows, writes rows, defines/alters/drops it, or executes it. */
export type ObjectAccess = (typeof OBJECT_ACCESSES)[number];

/**
 * A database object an action touches. `name` is dotted: database.schema.table for postgres and
 * mssql, database.table for mysql, database.collection for mongodb. Unknown parts are `?`.
 */
export interface ObjectRef {
  readonly name: string;
  readonly kind: ObjectKind;
  readonly access: ObjectAccess;
  /** Columns (or MongoDB field paths) read or written, where derivable. */
  readonly columns?: readonly string[];
}

/**
 * Where one output column of a read comes from: dotted source columns
 * (`db.schema.table.column`; `db.schema.table.*` for a star not yet expanded).
 */
export interface ColumnLineage {
  /** The output column name as the client will see it. */
  readonly output: string;
  /** Zero-based position in the result, when the statement fixes it. */
  readonly position?: number;
  readonly sources: readonly string[];
  /** True when the value is the source value itself (alias/cast), false when derived (function, concat). */
  readonly direct: boolean;
}

/** One dialect-neutral unit of work that policy decides. No literal value ever appears here. */
export interface Action {
  readonly dialect: Dialect;
  readonly category: Category;
  /** Upper-case statement keyword(s) for SQL ('SELECT', 'DROP TABLE'); the command name for MongoDB. */
  readonly operation: string;
  readonly objects: readonly ObjectRef[];
  readonly flags: readonly Flag[];
  /** Literals replaced, whitespace and case normalised; stable across literal values. */
  readonly fingerprint: string;
  /** The statement with every literal replaced. */
  readonly redactedText: string;
  /** For reads: which output column derives from which source columns. */
  readonly lineage?: readonly ColumnLineage[];
  /** Names of functions called, upper-cased, where the classifier saw them. */
  readonly functions?: readonly string[];
}
