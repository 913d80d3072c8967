import type { Dialect } from '@gatehouse/core';
import { redactLiterals } from '@gatehouse/sql';

/** Replaces literals in text with `?`; the dialect decides quoting and comment rules. */
export type LiteralRedactor = (text: string) => string;

// The one place that binds @gatehouse/sql. If that import ever has to go, literalRedactorFor can
// return the fallback below for every dialect.

// Single-quoted strings (with '' and \' escapes), dollar-quoted bodies, comments, numbers.
const FALLBACK =
  /'(?:[^'\\]|''|\\[\s\S])*(?:'|$)|\$([A-Za-z_]\w{0,62})?\$[\s\S]*?(?:\$\1\$|$)|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|(?<![\w$.])[-+]?(?:0[xX][0-9A-Fa-f]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)(?![\w.])/g;

/** A dialect-agnostic literal redactor: strings, numbers and comment contents become `?`. */
export function fallbackLiteralRedactor(text: string): string {
  return text.replace(FALLBACK, (m) => (m.startsWith('--') ? '-- ?' : m.startsWith('/*') ? '/* ? */' : '?'));
}

const SQL_REDACTORS: Readonly<Record<string, LiteralRedactor>> = {
  postgres: (text) => redactLiterals(text, 'postgres'),
  mysql: (text) => redactLiterals(text, 'mysql'),
  mssql: (text) => redactLiterals(text, 'mssql'),
};

/** The dialect's lexer-based literal redactor; the regex fallback for MongoDB or no dialect. */
export function literalRedactorFor(dialect: Dialect | undefined): LiteralRedactor {
  return (dialect !== undefined ? SQL_REDACTORS[dialect] : undefined) ?? fallbackLiteralRedactor;
}
