import type { SqlDialect } from '@gatehouse/core';
import type { LexResult } from './lexer/token.js';
import { lexMssql } from './mssql/lexer.js';
import { lexMysql } from './mysql/lexer.js';
import { lexPostgres } from './postgres/lexer.js';
import { redactTokens } from './normalize.js';

const LEXERS: Record<SqlDialect, (text: string) => LexResult> = {
  postgres: lexPostgres,
  mysql: lexMysql,
  mssql: lexMssql,
};

/**
 * Replaces every string and number literal and every comment body in `text` with `?`, lexing it
 * as the dialect does. Used for statement text and by the masking text redactor.
 */
export function redactLiterals(text: string, dialect: SqlDialect): string {
  return redactTokens(text, LEXERS[dialect](text).tokens);
}
