import type { SqlDialect } from '@gatehouse/core';
import type { StatementRange } from '../lexer/statement-ranges.js';
import { splitOnSemicolons } from '../lexer/statement-ranges.js';
import type { LexResult, Token } from '../lexer/token.js';
import { lexMssql } from '../mssql/lexer.js';
import { splitMssql } from '../mssql/split.js';
import { lexMysql } from '../mysql/lexer.js';
import { splitMysql } from '../mysql/split.js';
import { lexPostgres } from '../postgres/lexer.js';

/** Each statement of a text as its significant (non-comment) tokens, by the dialect's own lexer. */
export function statementTokens(text: string, dialect: SqlDialect): Token[][] | undefined {
  let lexed: LexResult;
  let ranges: StatementRange[];
  switch (dialect) {
    case 'postgres':
      lexed = lexPostgres(text);
      ranges = splitOnSemicolons(lexed.tokens, text);
      break;
    case 'mysql':
      lexed = lexMysql(text);
      ranges = splitMysql(lexed, text);
      break;
    case 'mssql':
      lexed = lexMssql(text);
      ranges = splitMssql(lexed, text);
      break;
  }
  if (lexed.problems.length > 0) return undefined;
  return ranges.map((range) =>
    lexed.tokens.slice(range.firstToken, range.endToken).filter((token) => token.kind !== 'comment' && token.kind !== 'exec-comment-start' && token.kind !== 'exec-comment-end'),
  );
}
