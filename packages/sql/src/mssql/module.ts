import type { DialectModule } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { splitOnSemicolons } from '../lexer/statement-ranges.js';
import { lexMssql } from './lexer.js';

/** PLACEHOLDER until the mssql classifier lands: every statement is unknown (fail closed). */
export async function createMssqlModule(): Promise<DialectModule> {
  return {
    dialect: 'mssql',
    keywords: new Set(),
    foldIdentifier: (word) => word,
    lex: lexMssql,
    split: (lexed, text) => splitOnSemicolons(lexed.tokens, text),
    classify: (_text, _lexed, ranges) => ranges.map(() => unknownStatement('parse-error')),
  };
}
