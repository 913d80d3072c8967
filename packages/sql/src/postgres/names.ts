import type { ClassifyContext } from '../dialect-module.js';
import type { PgNode } from './ast.js';
import { asString } from './ast.js';

/**
 * Dotted `database.schema.name` for PostgreSQL objects. The parser has already folded unquoted
 * identifiers to lower case and kept quoted ones as written, so names are used as given.
 */
export class Names {
  readonly database: string;
  readonly schema: string;

  constructor(context: ClassifyContext) {
    this.database = context.database ?? '?';
    this.schema = context.schema ?? 'public';
  }

  /** A RangeVar body: { catalogname?, schemaname?, relname }. */
  relation(rangeVar: PgNode): string {
    const relname = asString(rangeVar['relname']) ?? '?';
    const schema = asString(rangeVar['schemaname']) ?? this.schema;
    const database = asString(rangeVar['catalogname']) ?? this.database;
    return `${database}.${schema}.${relname}`;
  }

  /** Name parts as written in the statement: [name], [schema, name] or [database, schema, name]. */
  parts(parts: readonly string[]): string {
    const name = parts.at(-1) ?? '?';
    const schema = parts.length >= 2 ? parts.at(-2)! : this.schema;
    const database = parts.length >= 3 ? parts.at(-3)! : this.database;
    return `${database}.${schema}.${name}`;
  }

  schemaName(schema: string): string {
    return `${this.database}.${schema}`;
  }
}
