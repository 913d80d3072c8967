import type { Category, Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { analyzeStatement } from '../nsp/analyze.js';
import type { NspAnalysis } from '../nsp/analyze.js';
import { collectAstNames } from '../nsp/ast-names.js';
import { asNode } from '../nsp/ast-node.js';
import { MYSQL_NON_RESERVED, MYSQL_RESERVED } from './keywords.js';
import type { MysqlParser } from './parser.js';
import { classifySimpleQuery } from './simple-query.js';
import type { Statement } from './statement.js';

const AST_TYPE: Readonly<Record<string, string>> = {
  SELECT: 'select',
  INSERT: 'insert',
  REPLACE: 'replace',
  UPDATE: 'update',
  DELETE: 'delete',
};
const BODY_AFTER_WITH = new Set(['SELECT', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE']);
const FILE_TARGETS = new Set(['OUTFILE', 'DUMPFILE']);

/** The parsed view of a query or DML statement, cross-checked against the lexer. */
export interface ParsedQuery {
  readonly operation: string;
  readonly analysis: NspAnalysis;
}

/**
 * Parses effective tokens `from…` as one SELECT/INSERT/REPLACE/UPDATE/DELETE (optionally WITH …
 * or parenthesised) and walks the AST. Null when the parser fails, reports another statement
 * type, leaves an identifier the lexer sees unaccounted for, or hits a shape the walker does not
 * know: the caller then fails closed.
 */
export function parseQuery(stmt: Statement, from: number, parser: MysqlParser, to = stmt.length): ParsedQuery | null {
  let operation = stmt.isPunct(from, '(') ? 'SELECT' : stmt.word(from);
  if (operation === 'WITH') {
    const body = stmt.findTopWord(BODY_AFTER_WITH, from + 1);
    operation = body < 0 ? '' : stmt.word(body);
  }
  const expected = AST_TYPE[operation];
  if (!expected) return null;
  let ast: unknown;
  try {
    ast = parser.parseOne(stmt.parseText(from, to));
  } catch {
    return null;
  }
  if (asNode(ast)?.type !== expected || !namesAccountedFor(stmt, from, to, ast)) return null;
  const database = stmt.context.database ?? '?';
  const analysis = analyzeStatement(ast, { qualify: (ref) => `${ref.db ?? database}.${ref.table}` });
  if (analysis.unsupported.length > 0) return null;
  return { operation, analysis };
}

/**
 * SELECT, INSERT, REPLACE, UPDATE, DELETE (and WITH …): simple shapes without the parser (the
 * same answer, at a fraction of the cost), everything else through it.
 */
export function classifyQuery(stmt: Statement, parser: MysqlParser): StatementClassification {
  return classifySimpleQuery(stmt) ?? classifyParsedQuery(stmt, parser);
}

/** SELECT, INSERT, REPLACE, UPDATE, DELETE (and WITH …) through the parser. */
export function classifyParsedQuery(stmt: Statement, parser: MysqlParser): StatementClassification {
  const parsed = parseQuery(stmt, 0, parser);
  if (!parsed) return unknownStatement('parse-error');
  const { operation, analysis } = parsed;
  const isSelect = operation === 'SELECT';
  const flags = new Set<Flag>();
  let category: Category = isSelect ? 'read' : 'write';
  const objects: ObjectRef[] = [...analysis.objects];

  // The lexer is the authority on INTO: an OUTFILE the AST lost, or an INTO it ignored, is a disagreement.
  const lexerFile = stmt.tokens.some((_, i) => isFileTarget(stmt, i));
  const astFile = analysis.into.some((into) => FILE_TARGETS.has(into.keyword));
  if (lexerFile !== astFile) return unknownStatement('parse-error');
  if (isSelect && stmt.findWord('INTO') >= 0 && analysis.into.length === 0) return unknownStatement('parse-error');
  if (astFile) {
    // SELECT … INTO OUTFILE/DUMPFILE writes a server file: write, never read.
    flags.add('file-access');
    category = 'write';
  }
  if (isSelect && lockingForUpdate(stmt)) {
    // FOR UPDATE takes exclusive row locks and needs UPDATE/DELETE/LOCK TABLES privilege.
    category = 'write';
    for (const ref of analysis.objects) if (ref.access === 'read') objects.push({ name: ref.name, kind: ref.kind, access: 'write' });
  }
  if (analysis.where && (!analysis.where.present || analysis.where.columnRefs === 0)) flags.add('unbounded');
  return {
    category,
    operation,
    objects,
    flags: [...flags],
    ...(isSelect ? { lineage: analysis.lineage } : {}),
    functions: analysis.functions,
  };
}

/** OUTFILE (reserved) anywhere, or DUMPFILE (not reserved: a possible column name) after INTO. */
export function isFileTarget(stmt: Statement, i: number): boolean {
  const word = stmt.word(i);
  return word === 'OUTFILE' || (word === 'DUMPFILE' && stmt.word(i - 1) === 'INTO');
}

function lockingForUpdate(stmt: Statement): boolean {
  for (let i = stmt.findWord('FOR'); i >= 0; i = stmt.findWord('FOR', i + 1)) if (stmt.word(i + 1) === 'UPDATE') return true;
  return false;
}

/**
 * Every identifier the lexer sees must appear somewhere in the AST; keywords are exempt. A table
 * the parser silently dropped shows up here.
 */
function namesAccountedFor(stmt: Statement, from: number, to: number, ast: unknown): boolean {
  const names = collectAstNames(ast);
  for (let i = from; i < to; i++) {
    const token = stmt.tokens[i]!;
    if (token.kind === 'word') {
      const upper = stmt.word(i);
      if (MYSQL_RESERVED.has(upper) || MYSQL_NON_RESERVED.has(upper)) continue;
      if (!names.has(stmt.raw(i).toLowerCase())) return false;
    } else if (token.kind === 'quoted-ident') {
      if (!names.has((token.value ?? '').toLowerCase())) return false;
    }
  }
  return true;
}
