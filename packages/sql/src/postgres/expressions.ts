/** Small readers of expression trees shared by the query walker. */
import type { PgNode } from './ast.js';
import { asList, asNode, asString, stringList, unwrap } from './ast.js';

/** The name a target relation is visible by: its alias, else its table name. */
export function aliasOf(relation: PgNode): string {
  return asString(asNode(relation['alias'])?.['aliasname']) ?? asString(relation['relname']) ?? '';
}

/** ColumnRef fields as names, `*` for A_Star. */
export function fieldNames(fields: unknown): string[] {
  return asList(fields).map((field) => asString(asNode(field['String'])?.['sval']) ?? (field['A_Star'] ? '*' : '?'));
}

/** The column reference under casts and COLLATE, when the expression is nothing more. */
export function peelCasts(value: unknown): PgNode | undefined {
  let node = asNode(value);
  while (node) {
    if (node['ColumnRef']) return asNode(node['ColumnRef']);
    const inner = asNode(node['TypeCast']) ?? asNode(node['CollateClause']);
    if (!inner) return undefined;
    node = asNode(inner['arg']);
  }
  return undefined;
}

/** Type modifiers of casts (`::varchar(10)` holds constants only, but walk them anyway). */
export function castArguments(value: unknown): unknown {
  return asNode(asNode(value)?.['TypeCast'])?.['typeName'];
}

/** The output column name PostgreSQL gives an unaliased expression (FigureColname, simplified). */
export function outputName(value: unknown): string {
  const unwrapped = unwrap(value);
  if (!unwrapped) return '?column?';
  const [type, body] = unwrapped;
  switch (type) {
    case 'ColumnRef':
      return fieldNames(body['fields']).at(-1) ?? '?column?';
    case 'FuncCall':
      return stringList(body['funcname']).at(-1) ?? '?column?';
    case 'TypeCast': {
      const inner = outputName(body['arg']);
      return inner === '?column?' ? (stringList(asNode(body['typeName'])?.['names']).at(-1) ?? inner) : inner;
    }
    case 'CollateClause':
      return outputName(body['arg']);
    case 'CaseExpr':
      return 'case';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'SubLink': {
      const type = asString(body['subLinkType']);
      if (type === 'EXISTS_SUBLINK') return 'exists';
      if (type === 'ARRAY_SUBLINK') return 'array';
      // A scalar subquery is named after its one output column.
      const select = asNode(asNode(body['subselect'])?.['SelectStmt']);
      const target = asNode(asList(select?.['targetList'])[0]?.['ResTarget']);
      return asString(target?.['name']) ?? outputName(target?.['val']);
    }
    case 'JsonObjectConstructor':
      return 'json_object';
    case 'JsonArrayConstructor':
    case 'JsonArrayQueryConstructor':
      return 'json_array';
    default:
      return '?column?';
  }
}

/**
 * Whether an expression can depend on the row: columns, subqueries, functions. A parameter alone
 * cannot (`WHERE $1` may hold for every row), nor can constants (`WHERE 1 = 1`).
 */
export function mentionsRowData(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(mentionsRowData);
  const node = asNode(value);
  if (!node) return false;
  for (const key in node) {
    if (key === 'ColumnRef' || key === 'SubLink' || key === 'FuncCall' || key === 'CurrentOfExpr') return true;
    const child = node[key];
    if (child !== null && typeof child === 'object' && mentionsRowData(child)) return true;
  }
  return false;
}
