import type { DialectModule } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { splitOnSemicolons } from '../lexer/statement-ranges.js';
import { lexMysql } from './lexer.js';

/** PLACEHOLDER until the mysql classifier lands: every statement is unknown (fail closed). */
export async function createMysqlModule(): Promise<DialectModule> {
  return {
    dialect: 'mysql',
    keywords: new Set(),
    foldIdentifier: (word) => word,
    lex: lexMysql,
    split: (lexed, text) => splitOnSemicolons(lexed.tokens, text),
    classify: (_text, _lexed, ranges) => ranges.map(() => unknownStatement('parse-error')),
  };
}
