import type { ClassifyContext } from '../dialect-module.js';

/**
 * Dotted T-SQL object names: database.schema.object. An unqualified name takes the session's
 * database (`?` when unknown) and default schema (`dbo` unless the context says otherwise); a
 * two-part name is schema.object; `db..t` keeps the default schema; a four-part linked-server name
 * server.db.schema.object keeps its last three parts (the server is not part of the object name).
 * Names keep their case as written: the server's collation decides matching, not us.
 */
export function qualifiedName(parts: readonly string[], context: ClassifyContext): string {
  const n = parts.length;
  const object = parts[n - 1] ?? '?';
  const schema = (n >= 2 ? parts[n - 2] : undefined) || context.schema || 'dbo';
  const database = (n >= 3 ? parts[n - 3] : undefined) || context.database || '?';
  return `${database}.${schema}.${object}`;
}

/** A name that lives at server or database level (database, login, role): as written. */
export function plainName(parts: readonly string[]): string {
  return parts.filter((part) => part.length > 0).join('.') || '?';
}
