import type { ColumnLineage, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import type { ShapeRules, ShapeTokens, SimpleShape } from '../lexer/simple-shape.js';
import { recognizeSimpleShape } from '../lexer/simple-shape.js';
import { FOREIGN_WORDS, UNRECORDED_WORDS } from './classify-dml.js';
import { findHazards } from './hazards.js';
import { MSSQL_KEYWORDS } from './keywords.js';
import { qualifiedName } from './names.js';
import { STATEMENT_STARTERS } from './scanner.js';
import type { StatementContext } from './statement-context.js';
import { statement } from './statement-context.js';

/**
 * Words outside the T-SQL keyword lists that node-sql-parser's grammar still reads as something
 * other than a plain name (the parser-vocabulary test in simple-dml.test.ts finds them): never
 * names here, so the parser path keeps deciding what they mean.
 */
const NOT_PLAIN_NAMES: ReadonlySet<string> = new Set([
  ...['LOW_PRIORITY', 'WRITE', 'TRUE', 'FALSE', 'SHOW', 'RECURSIVE', 'RENAME', 'EXPLAIN', 'LIMIT', 'CALL'],
  ...['SESSION', 'PERSIST', 'PERSIST_ONLY', 'DUAL', 'SQL_CALC_FOUND_ROWS', 'SQL_CACHE', 'SQL_NO_CACHE'],
  ...['SQL_SMALL_RESULT', 'SQL_BIG_RESULT', 'SQL_BUFFER_RESULT'],
]);

const MSSQL_SHAPE_RULES: ShapeRules = {
  isReservedWord: (upper) =>
    MSSQL_KEYWORDS.has(upper) ||
    UNRECORDED_WORDS.has(upper) ||
    FOREIGN_WORDS.has(upper) ||
    STATEMENT_STARTERS.has(upper) ||
    NOT_PLAIN_NAMES.has(upper),
  rowLimit: 'top',
  maxNameParts: 3,
  variablesAreValues: true,
};

/**
 * The parser-free path for simple SELECT/INSERT/UPDATE/DELETE over positions [from, to): exactly
 * what classifyDml answers for the same statement (proven by the differential test), or null for
 * anything outside the simple grammar or calling a side-effect routine.
 */
export function classifySimpleDml(sc: StatementContext, from: number, to: number): StatementClassification | null {
  const shape = recognizeSimpleShape(shapeTokens(sc, from, to), MSSQL_SHAPE_RULES);
  if (!shape || findHazards(sc.view, from, to).category) return null;
  const table = qualifiedName(shape.table, sc.context);
  switch (shape.kind) {
    case 'select':
      return select(shape, table);
    case 'insert':
      return statement('write', 'INSERT', [{ name: table, kind: 'table', access: 'write', columns: [...new Set(shape.columns)] }]);
    case 'update': {
      // The tree walker reads each value, then the WHERE from its last condition to its first.
      const reads = new Set<string>();
      for (const assignment of shape.assignments) for (const column of assignment.reads) reads.add(column);
      addReversed(reads, shape.where);
      const written: ObjectRef = { name: table, kind: 'table', access: 'write', columns: [...new Set(shape.assignments.map((a) => a.column))] };
      const objects = reads.size > 0 ? [written, readRef(table, reads)] : [written];
      return statement('write', 'UPDATE', objects, shape.where === null ? ['unbounded'] : []);
    }
    case 'delete': {
      // DELETE without WHERE is classified before this (wholeTableShape).
      if (shape.where === null) return null;
      const reads = addReversed(new Set<string>(), shape.where);
      return statement('write', 'DELETE', [readRef(table, reads), { name: table, kind: 'table', access: 'write' }]);
    }
  }
}

/** The walker's order: the select list, then WHERE and ORDER BY each from last to first. */
function select(shape: Extract<SimpleShape, { kind: 'select' }>, table: string): StatementClassification {
  const reads = new Set<string>();
  const lineage: ColumnLineage[] = [];
  let fixed = true;
  shape.items.forEach((item, position) => {
    reads.add(item.column);
    const source = `${table}.${item.column}`;
    lineage.push(
      fixed
        ? { output: item.output, position, sources: [source], direct: true }
        : { output: item.output, sources: [source], direct: true },
    );
    if (item.column === '*') fixed = false;
  });
  addReversed(reads, shape.where);
  addReversed(
    reads,
    shape.orderBy.map((order) => order.column),
  );
  return { ...statement('read', 'SELECT', [readRef(table, reads)]), lineage };
}

function addReversed(set: Set<string>, columns: readonly string[] | null): Set<string> {
  if (columns) for (let i = columns.length - 1; i >= 0; i--) set.add(columns[i]!);
  return set;
}

function readRef(table: string, columns: ReadonlySet<string>): ObjectRef {
  return { name: table, kind: 'table', access: 'read', columns: [...columns] };
}

function shapeTokens(sc: StatementContext, from: number, to: number): ShapeTokens {
  const { view } = sc;
  const inside = (i: number): boolean => i >= 0 && from + i < to;
  return {
    length: to - from,
    kind: (i) => (inside(i) ? view.token(from + i).kind : undefined),
    word: (i) => (inside(i) ? view.word(from + i) : ''),
    name: (i) => {
      if (!inside(i)) return undefined;
      const token = view.token(from + i);
      if (token.kind === 'word') return token.value;
      // Only [brackets]: the grammar reads a "double-quoted" identifier as a string.
      return token.kind === 'quoted-ident' && view.text.charCodeAt(token.start) === 91 ? token.value : undefined;
    },
    symbol: (i) => (inside(i) ? view.punct(from + i) : ''),
  };
}
