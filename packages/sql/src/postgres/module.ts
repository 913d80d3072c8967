import { loadModule } from 'libpg-query';
import type { ClassifyContext, DialectModule, StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import type { StatementRange } from '../lexer/statement-ranges.js';
import type { LexResult, Token } from '../lexer/token.js';
import { unwrap } from './ast.js';
import { foldPostgresIdentifier, POSTGRES_KEYWORDS } from './keywords.js';
import { lexPostgres } from './lexer.js';
import { scanPostgresLiteralShape } from './literal-shape.js';
import { Names } from './names.js';
import { parseRanges } from './parse.js';
import { splitPostgres } from './split.js';
import { classifyStatement } from './statement-classifier.js';

/** How many leading words handlers may look at (ALTER USER vs ALTER ROLE, fallback DDL names). */
const WORDS_KEPT = 8;

/**
 * Leading tokens each statement type may start with, beyond the first word of its operation. A
 * tree whose type does not match the lexer's first word means parser and lexer read different
 * statements: unknown.
 */
const LEADING: Readonly<Record<string, readonly string[]>> = {
  SelectStmt: ['SELECT', 'WITH', 'VALUES', 'TABLE', '('],
  InsertStmt: ['INSERT', 'WITH'],
  UpdateStmt: ['UPDATE', 'WITH'],
  DeleteStmt: ['DELETE', 'WITH'],
  MergeStmt: ['MERGE', 'WITH'],
  ExplainStmt: ['EXPLAIN'],
  PrepareStmt: ['PREPARE'],
  TransactionStmt: ['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE', 'PREPARE'],
  VacuumStmt: ['VACUUM', 'ANALYZE', 'ANALYSE'],
  VariableSetStmt: ['SET', 'RESET'],
};

/** The PostgreSQL dialect: its lexer, the real parser (libpg-query, WASM) and the tree classifier. */
export async function createPostgresModule(): Promise<DialectModule> {
  await loadModule();
  return {
    dialect: 'postgres',
    keywords: POSTGRES_KEYWORDS,
    foldIdentifier: foldPostgresIdentifier,
    lex: lexPostgres,
    split: (lexed, text) => splitPostgres(lexed.tokens, text),
    scanLiteralShape: scanPostgresLiteralShape,
    classify: classifyPostgres,
  };
}

export function classifyPostgres(
  text: string,
  lexed: LexResult,
  ranges: readonly StatementRange[],
  context: ClassifyContext,
): StatementClassification[] {
  if (ranges.length === 0) return [];
  const nodes = parseRanges(text, ranges);
  if (!nodes) return ranges.map(() => unknownStatement('parse-error'));
  const names = new Names(context);
  return ranges.map((range, i) => {
    const words = leadingWords(text, lexed.tokens, range);
    const classification = classifyStatement(nodes[i], names, words);
    if (classification.category === 'unknown') return classification;
    const type = unwrap(nodes[i])?.[0] ?? '';
    const allowed = LEADING[type] ?? [classification.operation.split(' ')[0]];
    return allowed.includes(words[0] ?? '') ? classification : unknownStatement('parse-error');
  });
}

/** The first words of a statement, upper case; a leading `(` counts as a word (parenthesised SELECT). */
function leadingWords(text: string, tokens: readonly Token[], range: StatementRange): string[] {
  const words: string[] = [];
  for (let t = range.firstToken; t < range.endToken && words.length < WORDS_KEPT; t++) {
    const token = tokens[t]!;
    if (token.kind === 'word') words.push(token.value!.toUpperCase());
    else if (token.kind === 'comment') continue;
    else if (words.length === 0) words.push(text.slice(token.start, token.end));
  }
  return words;
}
