import type { ColumnLineage, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import type { ShapeRules, ShapeTokens, SimpleShape } from '../lexer/simple-shape.js';
import { recognizeSimpleShape } from '../lexer/simple-shape.js';
import { MYSQL_RESERVED } from './keywords.js';
import type { Statement } from './statement.js';

/**
 * Unreserved words node-sql-parser reads as something other than a plain name in some position
 * of the simple grammar (the parser-vocabulary test in simple-query.test.ts finds them): never
 * names here, so the parser path keeps deciding what they mean.
 */
const NOT_PLAIN_NAMES: ReadonlySet<string> = new Set([
  ...['BOOLEAN', 'EXCEPT', 'FULL', 'INTERSECT', 'MINUS', 'LATERAL', 'RECURSIVE', 'GO'],
  ...['MODE', 'MODIFY', 'MODULE', 'SQL_NO_CACHE', 'SQL_CACHE', 'SQL_BUFFER_RESULT'],
  // `INSERT INTO dumpfile …`: DUMPFILE after INTO is a file target to the lexer checks.
  'DUMPFILE',
]);

const MYSQL_SHAPE_RULES: ShapeRules = {
  isReservedWord: (upper) => MYSQL_RESERVED.has(upper) || NOT_PLAIN_NAMES.has(upper),
  rowLimit: 'limit',
  maxNameParts: 2,
  // `@@global.x` and user variables are session state, not values the statement carries.
  variablesAreValues: false,
};

/**
 * The parser-free path for simple SELECT/INSERT/UPDATE/DELETE: exactly what classifyQuery's
 * parser path answers for the same statement (proven by the differential test), or null for
 * anything outside the simple grammar.
 */
export function classifySimpleQuery(stmt: Statement): StatementClassification | null {
  const shape = recognizeSimpleShape(shapeTokens(stmt), MYSQL_SHAPE_RULES);
  if (!shape) return null;
  const table = qualify(shape.table, stmt);
  switch (shape.kind) {
    case 'select':
      return select(shape, table);
    case 'insert':
      return dml('INSERT', [{ name: table, kind: 'table', access: 'write', columns: [...new Set(shape.columns)] }], false);
    case 'update': {
      const reads = new Set<string>();
      for (const assignment of shape.assignments) for (const column of assignment.reads) reads.add(column);
      for (const column of shape.where ?? []) reads.add(column);
      const written = { name: table, kind: 'table', access: 'write', columns: [...new Set(shape.assignments.map((a) => a.column))] } as const;
      return dml('UPDATE', reads.size > 0 ? [readRef(table, reads), written] : [written], shape.where === null);
    }
    case 'delete': {
      const written: ObjectRef = { name: table, kind: 'table', access: 'write' };
      const reads = new Set(shape.where ?? []);
      return dml('DELETE', reads.size > 0 ? [readRef(table, reads), written] : [written], shape.where === null);
    }
  }
}

/**
 * The parser walker's order: the select list, then ORDER BY (where an unqualified name that is an
 * output name refers to that output, not to the table), then WHERE.
 */
function select(shape: Extract<SimpleShape, { kind: 'select' }>, table: string): StatementClassification {
  const reads = new Set<string>();
  const lineage: ColumnLineage[] = [];
  const outputs = new Set<string>();
  let positionKnown = true;
  shape.items.forEach((item, index) => {
    reads.add(item.column);
    const position = positionKnown ? { position: index } : {};
    if (item.column === '*') {
      lineage.push({ output: '*', ...position, sources: [`${table}.*`], direct: true });
      positionKnown = false;
      return;
    }
    lineage.push({ output: item.output, ...position, sources: [`${table}.${item.column}`], direct: true });
    outputs.add(item.output.toLowerCase());
  });
  for (const order of shape.orderBy) if (order.qualified || !outputs.has(order.column.toLowerCase())) reads.add(order.column);
  for (const column of shape.where ?? []) reads.add(column);
  return { category: 'read', operation: 'SELECT', objects: [readRef(table, reads)], flags: [], lineage, functions: [] };
}

function dml(operation: string, objects: ObjectRef[], unbounded: boolean): StatementClassification {
  return { category: 'write', operation, objects, flags: unbounded ? ['unbounded'] : [], functions: [] };
}

function readRef(table: string, columns: ReadonlySet<string>): ObjectRef {
  return { name: table, kind: 'table', access: 'read', columns: [...columns] };
}

function qualify(parts: readonly string[], stmt: Statement): string {
  return parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${stmt.context.database ?? '?'}.${parts[0]}`;
}

/** The statement's effective tokens (no comments, no executable-comment markers) for the recognizer. */
function shapeTokens(stmt: Statement): ShapeTokens {
  return {
    length: stmt.length,
    kind: (i) => stmt.tokens[i]?.kind,
    word: (i) => stmt.word(i),
    name: (i) => {
      const token = stmt.tokens[i];
      return token?.kind === 'word' || token?.kind === 'quoted-ident' ? token.value : undefined;
    },
    symbol: (i) => {
      const token = stmt.tokens[i];
      return token?.kind === 'punct' || token?.kind === 'operator' ? stmt.raw(i) : '';
    },
  };
}
