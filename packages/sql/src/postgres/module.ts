import type { DialectModule } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { splitOnSemicolons } from '../lexer/statement-ranges.js';
import { lexPostgres } from './lexer.js';

/** PLACEHOLDER until the postgres classifier lands: every statement is unknown (fail closed). */
export async function createPostgresModule(): Promise<DialectModule> {
  return {
    dialect: 'postgres',
    keywords: new Set(),
    foldIdentifier: (word) => word,
    lex: lexPostgres,
    split: (lexed, text) => splitOnSemicolons(lexed.tokens, text),
    classify: (_text, _lexed, ranges) => ranges.map(() => unknownStatement('parse-error')),
  };
}
