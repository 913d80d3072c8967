import type { RowFilterValue, SqlDialect } from '@gatehouse/core';
import { RewriteRefusal } from './types.js';

/**
 * Literals and identifiers spelled by each dialect's own quoting rules, so a value taken from a
 * principal's attributes is always one literal token and can never change the statement's shape.
 *
 * - postgres: '…' with '' doubling. The adapter pins standard_conforming_strings on, so a
 *   backslash is an ordinary character; NUL cannot be stored in text and is refused.
 * - mysql: a hex string with a charset introducer (_utf8mb4 X'…'). Hex digits are the only
 *   characters in it, so neither NO_BACKSLASH_ESCAPES nor ANSI_QUOTES can change how it reads, and
 *   the introducer makes it a character string (not binary) that takes the column's collation.
 * - mssql: N'…' with '' doubling (T-SQL has no backslash escapes).
 */
export function sqlLiteral(dialect: SqlDialect, value: Exclude<RowFilterValue, null>): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RewriteRefusal('a row filter value is not a finite number');
    // Parenthesised so a negative number never meets a preceding operator (`- -1` style runs).
    return value < 0 || Object.is(value, -0) ? `(${String(value)})` : String(value);
  }
  if (typeof value === 'boolean') {
    if (dialect === 'mssql') return value ? '1' : '0';
    return value ? 'TRUE' : 'FALSE';
  }
  if (typeof value !== 'string') throw new RewriteRefusal('a row filter value has an unsupported type');
  assertWellFormed(value, 'a row filter value');
  switch (dialect) {
    case 'postgres':
      if (value.includes('\u0000')) throw new RewriteRefusal('a row filter value contains NUL, which PostgreSQL text cannot hold');
      return `'${value.replaceAll("'", "''")}'`;
    case 'mysql':
      return `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
    case 'mssql':
      return `N'${value.replaceAll("'", "''")}'`;
  }
}

/** An identifier (column or alias) quoted for the dialect, whatever characters it holds. */
export function sqlIdentifier(dialect: SqlDialect, name: string): string {
  assertWellFormed(name, 'an identifier');
  if (name.length === 0 || name.includes('\u0000')) throw new RewriteRefusal('an identifier in a row filter is empty or holds NUL');
  switch (dialect) {
    case 'postgres':
      return `"${name.replaceAll('"', '""')}"`;
    case 'mysql':
      return `\`${name.replaceAll('`', '``')}\``;
    case 'mssql':
      return `[${name.replaceAll(']', ']]')}]`;
  }
}

/** A lone surrogate has no UTF-8 form: the server would see U+FFFD, a different value. */
function assertWellFormed(value: string, what: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new RewriteRefusal(`${what} holds a lone UTF-16 surrogate`);
    }
    if (c >= 0xdc00 && c <= 0xdfff) throw new RewriteRefusal(`${what} holds a lone UTF-16 surrogate`);
  }
}
