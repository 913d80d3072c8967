import type { ClassifyContext, DialectModule, StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import type { StatementRange } from '../lexer/statement-ranges.js';
import type { LexResult } from '../lexer/token.js';
import { classifyNode } from './classify-statement.js';
import { MSSQL_KEYWORDS } from './keywords.js';
import { lexMssql } from './lexer.js';
import { scanMssqlLiteralShape } from './literal-shape.js';
import { scanStatements } from './scanner.js';
import { splitMssql } from './split.js';
import { tokenView } from './token-view.js';

/**
 * The T-SQL dialect: our lexer and statement scanner are the authority; node-sql-parser's
 * TransactSQL grammar supplies objects, columns and lineage for SELECT/INSERT/UPDATE/DELETE, and
 * everything it reads badly (MERGE, EXEC, ALTER DATABASE … SET, control flow) is decided from the
 * tokens.
 */
export async function createMssqlModule(): Promise<DialectModule> {
  return {
    dialect: 'mssql',
    keywords: MSSQL_KEYWORDS,
    foldIdentifier: (word) => word,
    lex: lexMssql,
    split: splitMssql,
    scanLiteralShape: scanMssqlLiteralShape,
    classify: classifyMssql,
  };
}

function classifyMssql(
  text: string,
  lexed: LexResult,
  ranges: readonly StatementRange[],
  context: ClassifyContext,
): StatementClassification[] {
  const view = tokenView(lexed, text);
  const sc = { view, context };
  return ranges.map((range) => {
    const from = view.positionOf(range.firstToken);
    const to = view.positionOf(range.endToken);
    const nodes = scanStatements(view, from, to);
    // A range is one statement by construction; anything else means split and classify disagree.
    if (nodes.length !== 1) return unknownStatement('parse-error');
    return classifyNode(sc, nodes[0]!);
  });
}
