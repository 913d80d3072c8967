import type { Category, Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { collectAstNames } from '../nsp/ast-names.js';
import { asNode } from '../nsp/ast-node.js';
import type { Hazards } from './hazards.js';
import { findHazards } from './hazards.js';
import { MSSQL_KEYWORDS } from './keywords.js';
import { qualifiedName } from './names.js';
import { UnsupportedTreeError, parseTransactSql } from './parser.js';
import { afterParens, findWord, readName } from './read-name.js';
import { QueryAnalysis } from './query-analysis.js';
import type { StatementContext } from './statement-context.js';
import { dedupeObjects, parseError, parserText, statement } from './statement-context.js';

/**
 * Words that never belong inside a SELECT/INSERT/UPDATE/DELETE. If the lexer sees one in a range
 * the parser accepted as DML, the two disagree (or our splitter merged two statements): unknown.
 */
export const FOREIGN_WORDS: ReadonlySet<string> = new Set(
  `DROP CREATE ALTER TRUNCATE GRANT REVOKE DENY EXEC EXECUTE SHUTDOWN KILL DBCC BACKUP RESTORE RECONFIGURE
  MERGE DECLARE USE SETUSER REVERT WAITFOR BEGIN COMMIT ROLLBACK SAVE GO PRINT RAISERROR IF WHILE OPEN
  CLOSE DEALLOCATE CHECKPOINT WRITETEXT UPDATETEXT READTEXT RETURN GOTO BREAK CONTINUE`.split(/\s+/),
);

const EXPECTED_TYPE: Readonly<Record<string, string>> = {
  SELECT: 'select',
  INSERT: 'insert',
  UPDATE: 'update',
  DELETE: 'delete',
};

interface WordCounts {
  SELECT: number;
  INSERT: number;
  UPDATE: number;
  DELETE: number;
  SET: number;
  foreign: boolean;
  bulk: boolean;
}

/**
 * SELECT / WITH … / INSERT / UPDATE / DELETE through node-sql-parser, cross-checked against the
 * lexer: the tree must be one statement of the kind the first keyword says, hold as many SELECT
 * blocks as the lexer counts, and the range must hold no keyword foreign to DML.
 */
export function classifyDml(
  sc: StatementContext,
  from: number,
  to: number,
  main: string,
  /** Text put before the range so an expression parses as a SELECT: 'SELECT ' for SET @v = <expr>. */
  prefix = '',
): StatementClassification {
  const { view } = sc;
  to = withoutQueryHints(sc, from, to);
  const hazards = findHazards(view, from, to);
  const counts = countWords(sc, from, to);
  if (prefix !== '') counts.SELECT++;
  const expectedType = EXPECTED_TYPE[main];
  if (!expectedType) return parseError();
  const disagree = (): StatementClassification => statement('unknown', 'UNKNOWN', [], ['parse-error', ...hazards.flags]);
  if (counts.foreign || (counts.bulk && !hazards.flags.includes('file-access'))) return disagree();
  const dmlWords = counts.INSERT + counts.UPDATE + counts.DELETE;
  if (main === 'SELECT' ? dmlWords !== 0 : dmlWords !== 1 || counts[main as 'INSERT'] !== 1) return disagree();
  if (counts.SET !== (main === 'UPDATE' ? 1 : 0)) return disagree();

  const output = main === 'SELECT' ? undefined : findOutputClause(sc, from, to);
  const schema = sc.context.schema ?? 'dbo';
  const sql = output
    ? `${parserText(view, from, output.from, schema)} ${parserText(view, output.to, to, schema)}`
    : prefix + parserText(view, from, to, schema);
  const ast = asNode(parseTransactSql(sql));
  // The grammar cannot read OPENROWSET(BULK …) and similar: the side effect still decides the category.
  if (!ast) return withHazards(parseError(), hazards, main);
  if (ast.type !== expectedType || droppedIdentifier(sc, from, to, ast, output)) return disagree();

  const analysis = new QueryAnalysis(sc.context);
  let category: Category = main === 'SELECT' ? 'read' : 'write';
  let operation = main;
  const flags: Flag[] = [];
  let lineage;
  try {
    if (main === 'SELECT') lineage = analysis.select(ast);
    else if (main === 'INSERT') analysis.insert(ast);
    else if (!(main === 'UPDATE' ? analysis.update(ast) : analysis.delete(ast))) flags.push('unbounded');
  } catch (error) {
    if (error instanceof UnsupportedTreeError) return withHazards(parseError(), hazards, main);
    throw error;
  }
  if (analysis.selectCount !== counts.SELECT) return disagree();

  let objects: ObjectRef[] = analysis.objects.toRefs();
  if (output) objects = dedupeObjects([...objects, ...outputObjects(sc, output, objects)]);
  if (analysis.intoTable) {
    // SELECT … INTO creates a table: DDL, and no rows go back to the client.
    category = 'ddl';
    operation = 'SELECT INTO';
    objects.unshift({ name: analysis.intoTable, kind: 'table', access: 'define' });
    lineage = undefined;
  }
  const result: StatementClassification = {
    ...statement(category, operation, objects, flags),
    ...(lineage && lineage.length > 0 ? { lineage } : {}),
    ...(analysis.functions.size > 0 ? { functions: [...analysis.functions] } : {}),
  };
  return withHazards(result, hazards, main);
}

/** A side effect makes a read a write or admin action, and an unknown stays unknown. */
export function withHazards(result: StatementClassification, hazards: Hazards, operation: string): StatementClassification {
  if (!hazards.category) return result;
  const flags = [...new Set([...result.flags, ...hazards.flags])];
  if (result.category === 'unknown') {
    // The parser cannot read OPENROWSET(BULK …) and friends: the side effect decides, objects are unknown.
    return { ...result, category: hazards.category, operation, flags };
  }
  const category: Category =
    hazards.category === 'admin' ? 'admin' : result.category === 'read' ? 'write' : result.category;
  return { ...result, category, flags };
}

function countWords(sc: StatementContext, from: number, to: number): WordCounts {
  const counts: WordCounts = { SELECT: 0, INSERT: 0, UPDATE: 0, DELETE: 0, SET: 0, foreign: false, bulk: false };
  for (let k = from; k < to; k++) {
    const word = sc.view.word(k);
    if (word === '') continue;
    if (word === 'SELECT' || word === 'INSERT' || word === 'UPDATE' || word === 'DELETE' || word === 'SET') counts[word]++;
    else if (word === 'BULK') counts.bulk = true;
    else if (FOREIGN_WORDS.has(word)) counts.foreign = true;
  }
  return counts;
}

/**
 * A trailing `OPTION (RECOMPILE, MAXDOP 1, …)` only steers the plan; the grammar rejects it, so the
 * statement is read without it.
 */
function withoutQueryHints(sc: StatementContext, from: number, to: number): number {
  const option = findWord(sc.view, from, to, 'OPTION');
  if (option < 0 || sc.view.punct(option + 1) !== '(') return to;
  return afterParens(sc.view, option + 1, to) === to ? option : to;
}

/** OUTPUT … [INTO target [(cols)]] of INSERT/UPDATE/DELETE, which the grammar cannot read. */
interface OutputClause {
  readonly from: number;
  /** First position after the clause. */
  readonly to: number;
}

const AFTER_OUTPUT: ReadonlySet<string> = new Set(['VALUES', 'SELECT', 'DEFAULT', 'FROM', 'WHERE', 'OPTION']);

function findOutputClause(sc: StatementContext, from: number, to: number): OutputClause | undefined {
  const start = findWord(sc.view, from, to, 'OUTPUT');
  if (start < 0) return undefined;
  let depth = 0;
  for (let k = start + 1; k < to; k++) {
    const p = sc.view.punct(k);
    if (p === '(') depth++;
    else if (p === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && AFTER_OUTPUT.has(sc.view.word(k))) return { from: start, to: k };
  }
  return { from: start, to };
}

/**
 * What an OUTPUT clause adds: the written table's columns it returns (inserted.x / deleted.x are
 * rows of the target, sent to the client or to another table) and the table it writes INTO.
 */
function outputObjects(sc: StatementContext, output: OutputClause, objects: readonly ObjectRef[]): ObjectRef[] {
  const { view } = sc;
  const columns = new Set<string>();
  let into = -1;
  for (let k = output.from + 1; k < output.to; k++) {
    const word = view.word(k);
    if ((word === 'INSERTED' || word === 'DELETED') && view.punct(k + 1) === '.') {
      const column = view.token(k + 2);
      columns.add(column.kind === 'word' || column.kind === 'quoted-ident' ? column.value! : '*');
    } else if (word === 'INTO') {
      into = k;
    }
  }
  const added: ObjectRef[] = [];
  for (const object of objects) {
    if (object.access === 'write' && columns.size > 0) {
      added.push({ name: object.name, kind: 'table', access: 'read', columns: [...columns] });
    }
  }
  const target = into >= 0 ? readName(view, into + 1, output.to) : undefined;
  if (target) added.push({ name: qualifiedName(target.parts, sc.context), kind: 'table', access: 'write' });
  return added;
}

/**
 * Words the grammar consumes without keeping them in the tree (hints, options, data-type details).
 * Anything else the lexer sees as an identifier must appear somewhere in the tree.
 */
export const UNRECORDED_WORDS: ReadonlySet<string> = new Set(
  `INSERTED DELETED ONLY NEXT FIRST ROWS ROW TIES NOLOCK READPAST UPDLOCK ROWLOCK PAGLOCK TABLOCK TABLOCKX
  XLOCK NOWAIT READCOMMITTED READUNCOMMITTED REPEATABLEREAD SERIALIZABLE FORCESEEK FORCESCAN INDEX MAX
  VARCHAR NVARCHAR CHAR NCHAR INT BIGINT SMALLINT TINYINT DECIMAL NUMERIC FLOAT REAL BIT DATE DATETIME
  DATETIME2 DATETIMEOFFSET TIME MONEY UNIQUEIDENTIFIER VARBINARY BINARY ASC DESC NULLS DISTINCT INTO
  OUTPUT RECOMPILE MAXDOP OPTIMIZE UNKNOWN HASH LOOP MERGE CONCAT FORCE ORDER INCLUDE_NULL_VALUES
  WITHOUT_ARRAY_WRAPPER ROOT ELEMENTS XSINIL BINARY BASE64 TYPE EXPLICIT VALUE`.split(/\s+/),
);

/** An identifier the lexer sees that the tree does not hold: the parser dropped part of the text. */
function droppedIdentifier(
  sc: StatementContext,
  from: number,
  to: number,
  ast: unknown,
  output: OutputClause | undefined,
): boolean {
  let names: Set<string> | undefined;
  for (let k = from; k < to; k++) {
    if (output && k >= output.from && k < output.to) continue;
    const token = sc.view.token(k);
    if (token.kind !== 'word' && token.kind !== 'quoted-ident') continue;
    const word = sc.view.word(k);
    if (token.kind === 'word' && (MSSQL_KEYWORDS.has(word) || UNRECORDED_WORDS.has(word))) continue;
    names ??= collectAstNames(ast);
    if (!names.has(token.value!.toLowerCase())) return true;
  }
  return false;
}
