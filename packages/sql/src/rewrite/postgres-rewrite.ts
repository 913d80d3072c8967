import { parseSync } from 'libpg-query';
import type { LexResult, Token } from '../lexer/token.js';
import type { PgNode } from '../postgres/ast.js';
import { asList, asNode, asString, stringList, unwrap } from '../postgres/ast.js';
import { lexPostgres } from '../postgres/lexer.js';
import { Names } from '../postgres/names.js';
import { postgresWrittenValue } from './postgres-values.js';
import { isPostgresUnfilterableFunction } from './dynamic-sql.js';
import { checkInsertRow } from './insert-row-check.js';
import { predicateColumns, predicateSql } from './predicate-sql.js';
import { sqlIdentifier } from './sql-literals.js';
import { isWord, significantBefore, tableReferenceSpan, tokenStartingAt } from './table-reference-span.js';
import type { AppliedRowFilter, RewriteRequest, TextEdit } from './types.js';
import { RewriteRefusal } from './types.js';
import { whereSplice } from './where-splice.js';

/** The alias of the inner scan in `(SELECT * FROM t AS gatehouse_rf WHERE …)`: qualifies the predicate. */
const INNER_ALIAS = '"gatehouse_rf"';
const RETURNING = new Set(['RETURNING']);

/**
 * Statement types whose queries are rewritten. Anything else (views, rules, functions, COPY of a
 * table, LOCK, TRUNCATE, …) is only searched: a filtered table there is refused, because baking a
 * filter into a definition or bypassing it with a table-level command is never what policy meant.
 */
const REWRITABLE = new Set([
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'ExplainStmt',
  'DeclareCursorStmt',
  'PrepareStmt',
  'CopyStmt',
  'CreateTableAsStmt',
]);
const QUERY_NODES = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
/**
 * Statements refused whenever row filters apply, whatever they name: a function or trigger body
 * runs later and unfiltered (and may build SQL at run time); a function's COST decides whether the
 * planner evaluates it before the filter's own condition (a cheap function that raises or logs its
 * argument would see rows outside the filter); a foreign table (postgres_fdw loopback) reads a
 * table named in a string option.
 */
const UNFILTERABLE_DEFINITIONS = new Set([
  'CreateFunctionStmt',
  'AlterFunctionStmt',
  'CreateTrigStmt',
  'CreateEventTrigStmt',
  'CreateTransformStmt',
  'CreateCastStmt',
  'CreateForeignTableStmt',
  'ImportForeignSchemaStmt',
]);

/** CTE names visible at a point of the query: an unqualified name that matches one is not a table. */
class CteScope {
  readonly names = new Set<string>();
  constructor(readonly parent?: CteScope) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

/**
 * Rewrites every reference to a filtered table in PostgreSQL text, at the locations libpg-query
 * reports (UTF-8 byte offsets, mapped to the lexer's UTF-16 tokens):
 * - a table read anywhere (FROM, JOIN, subqueries, CTE bodies, set operations, UPDATE … FROM,
 *   DELETE … USING, MERGE … USING) becomes `(SELECT * FROM t AS gatehouse_rf WHERE <pred>) AS alias`;
 * - the target of UPDATE/DELETE gets the predicate ANDed into its WHERE, qualified by its alias;
 * - INSERT rows are checked statically (literal VALUES only);
 * - anything else that names a filtered table is refused with a reason.
 */
export function rewritePostgres(request: RewriteRequest): { edits: TextEdit[]; tables: Set<string> } {
  const { text } = request;
  const lexed = lexPostgres(text);
  if (lexed.problems.length > 0) throw new RewriteRefusal('the statement could not be read (unterminated quote or comment)');
  if (text.includes('\u0000')) throw new RewriteRefusal('the statement contains NUL and cannot be parsed');
  let stmts: readonly PgNode[];
  try {
    stmts = asList(asNode(parseSync(text))?.['stmts']);
  } catch {
    throw new RewriteRefusal('the statement did not parse, so it cannot be rewritten with certainty');
  }
  const walker = new PostgresRewriteWalker(request, lexed);
  for (const stmt of stmts) walker.statement(stmt['stmt']);
  return { edits: walker.edits, tables: walker.tables };
}

class PostgresRewriteWalker {
  readonly edits: TextEdit[] = [];
  readonly tables = new Set<string>();
  /** How many filtered references were covered so far (EXPLAIN ANALYZE asks whether it grew). */
  private covered = 0;
  private readonly names: Names;
  private readonly tokens: readonly Token[];
  private readonly byteToToken: ReadonlyMap<number, number> | undefined;

  constructor(
    private readonly request: RewriteRequest,
    lexed: LexResult,
  ) {
    this.names = new Names({
      dialect: 'postgres',
      ...(request.database !== undefined ? { database: request.database } : {}),
      ...(request.schema !== undefined ? { schema: request.schema } : {}),
    });
    this.tokens = lexed.tokens;
    this.byteToToken = byteStarts(request.text, lexed.tokens);
  }

  statement(node: unknown): void {
    const unwrapped = unwrap(node);
    if (!unwrapped) return;
    const [type, body] = unwrapped;
    if (type === 'ExecuteStmt' || type === 'DoStmt' || type === 'CallStmt') {
      throw new RewriteRefusal('dynamic SQL and procedure calls (EXECUTE, DO, CALL) cannot be rewritten for row filters');
    }
    if (UNFILTERABLE_DEFINITIONS.has(type)) {
      throw new RewriteRefusal(
        'functions, procedures, triggers, casts and foreign tables cannot be defined or changed under row filters: what they read runs unfiltered',
      );
    }
    // A materialized view stores its query: a filter baked into it would outlive this session.
    const materialized = type === 'CreateTableAsStmt' && asString(body['objtype']) === 'OBJECT_MATVIEW';
    if (!REWRITABLE.has(type) || materialized) {
      this.searchOnly(body, type);
      return;
    }
    const coveredBefore = this.covered;
    this.dispatch(type, body, new CteScope());
    // EXPLAIN ANALYZE runs the query and reports actual row counts per plan node, including "Rows
    // Removed by Filter" under an index condition: whether rows outside the filter match it.
    if (type === 'ExplainStmt' && explainAnalyzes(body) && this.covered > coveredBefore) {
      throw new RewriteRefusal('EXPLAIN ANALYZE of a filtered table reports rows outside the filter (Rows Removed by Filter); use EXPLAIN without ANALYZE');
    }
  }

  private cover(table: string): void {
    this.tables.add(table);
    this.covered++;
  }

  // ---- queries -------------------------------------------------------------------------------

  private dispatch(type: string, body: PgNode, scope: CteScope): void {
    switch (type) {
      case 'SelectStmt':
        return this.select(body, scope);
      case 'InsertStmt':
        return this.insert(body, scope);
      case 'UpdateStmt':
        return this.update(body, scope);
      case 'DeleteStmt':
        return this.delete(body, scope);
      case 'MergeStmt':
        return this.merge(body, scope);
      default:
        return this.generic(body, scope);
    }
  }

  private select(s: PgNode, parent: CteScope): void {
    const scope = this.withClause(s['withClause'], parent);
    const op = asString(s['op']);
    if (op !== undefined && op !== 'SETOP_NONE') {
      this.select(asNode(s['larg']) ?? {}, scope);
      this.select(asNode(s['rarg']) ?? {}, scope);
    }
    for (const item of asList(s['fromClause'])) this.fromItem(item, scope);
    this.genericExcept(s, scope, ['withClause', 'larg', 'rarg', 'fromClause']);
  }

  private insert(s: PgNode, parent: CteScope): void {
    const scope = this.withClause(s['withClause'], parent);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const filter = this.filterOf(relation);
    if (filter) this.checkInsert(s, table, filter);
    if (s['selectStmt']) this.dispatchWrapped(s['selectStmt'], scope);
    this.genericExcept(s, scope, ['withClause', 'relation', 'selectStmt']);
  }

  private update(s: PgNode, parent: CteScope): void {
    const scope = this.withClause(s['withClause'], parent);
    const relation = asNode(s['relation']) ?? {};
    const filter = this.filterOf(relation);
    if (filter) {
      const table = this.names.relation(relation);
      // `SET region = …`, and field names after it (`SET t.region`, `SET c.region`): the server
      // rejects a table-qualified target today, but a composite column would take it.
      const written = new Set<string>();
      for (const item of asList(s['targetList'])) {
        const target = asNode(item['ResTarget']) ?? {};
        written.add(asString(target['name']) ?? '');
        for (const part of asList(target['indirection'])) {
          const field = asString(asNode(part['String'])?.['sval']);
          if (field !== undefined) written.add(field);
        }
      }
      for (const column of predicateColumns(filter.predicate)) {
        if (written.has(column)) {
          throw new RewriteRefusal(
            `UPDATE of ${table} sets column ${column}, which the row filter of rule ${filter.rules.join(', ')} depends on`,
          );
        }
      }
      this.restrictTarget(relation, s['whereClause'], table, filter);
    }
    for (const item of asList(s['fromClause'])) this.fromItem(item, scope);
    this.genericExcept(s, scope, ['withClause', 'relation', 'fromClause']);
  }

  private delete(s: PgNode, parent: CteScope): void {
    const scope = this.withClause(s['withClause'], parent);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const filter = this.filterOf(relation);
    if (filter) this.restrictTarget(relation, s['whereClause'], table, filter);
    for (const item of asList(s['usingClause'])) this.fromItem(item, scope);
    this.genericExcept(s, scope, ['withClause', 'relation', 'usingClause']);
  }

  private merge(s: PgNode, parent: CteScope): void {
    const scope = this.withClause(s['withClause'], parent);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const filter = this.filterOf(relation);
    if (filter) {
      throw new RewriteRefusal(
        `MERGE into ${table} cannot be rewritten for the row filter of rule ${filter.rules.join(', ')}; use UPDATE and INSERT`,
      );
    }
    this.fromItem(s['sourceRelation'], scope);
    this.genericExcept(s, scope, ['withClause', 'relation', 'sourceRelation']);
  }

  /** WITH: a non-recursive CTE body sees the CTEs before it; a recursive one sees all of them. */
  private withClause(value: unknown, parent: CteScope): CteScope {
    const clause = asNode(value);
    if (!clause) return parent;
    const scope = new CteScope(parent);
    const ctes = asList(clause['ctes']).map((item) => asNode(item['CommonTableExpr']) ?? {});
    if (clause['recursive'] === true) for (const cte of ctes) scope.names.add(asString(cte['ctename']) ?? '');
    for (const cte of ctes) {
      const bodyScope = new CteScope(scope.parent);
      for (const name of scope.names) bodyScope.names.add(name);
      this.dispatchWrapped(cte['ctequery'], bodyScope);
      scope.names.add(asString(cte['ctename']) ?? '');
    }
    return scope;
  }

  private fromItem(item: unknown, scope: CteScope): void {
    const unwrapped = unwrap(item);
    if (!unwrapped) return;
    const [type, body] = unwrapped;
    switch (type) {
      case 'RangeVar':
        this.readReference(body, scope);
        return;
      case 'JoinExpr':
        this.fromItem(body['larg'], scope);
        this.fromItem(body['rarg'], scope);
        this.genericExcept(body, scope, ['larg', 'rarg']);
        return;
      case 'RangeSubselect':
        this.dispatchWrapped(body['subquery'], scope);
        return;
      case 'RangeTableSample': {
        const relation = asNode(asNode(body['relation'])?.['RangeVar']);
        if (relation && this.filteredTable(relation, scope)) {
          throw new RewriteRefusal('TABLESAMPLE on a filtered table cannot be rewritten');
        }
        this.genericExcept(body, scope, ['relation']);
        return;
      }
      default:
        this.generic(body, scope);
    }
  }

  // ---- rewriting -----------------------------------------------------------------------------

  /** A read of a table: replaced by a filtered derived table under the same visible name. */
  private readReference(rangeVar: PgNode, scope: CteScope): void {
    const found = this.filteredTable(rangeVar, scope);
    if (!found) return;
    const { table, filter } = found;
    const alias = asNode(rangeVar['alias']);
    const first = this.tokenAtByte(rangeVar['location']);
    const span = tableReferenceSpan(this.request.text, this.tokens, first, {
      nameParts: ['catalogname', 'schemaname', 'relname'].filter((k) => typeof rangeVar[k] === 'string').length,
      hasAlias: alias !== undefined,
      hasColumnAliases: asList(alias?.['colnames']).length > 0,
      allowInheritanceStar: true,
    });
    let start = span.start;
    let prefix = '';
    let only = '';
    let before = significantBefore(this.tokens, first - 1);
    if (rangeVar['inh'] !== true) {
      // ONLY t: the keyword moves inside the derived table.
      if (!isWord(this.request.text, this.tokens[before], 'ONLY')) {
        throw new RewriteRefusal(`a reference to ${table} with ONLY in an unusual form cannot be rewritten`);
      }
      start = this.tokens[before]!.start;
      only = 'ONLY ';
      before = significantBefore(this.tokens, before - 1);
    }
    if (isWord(this.request.text, this.tokens[before], 'TABLE')) {
      // `TABLE [ONLY] t` is `SELECT * FROM [ONLY] t` (TABLE is reserved: nothing else puts it before a FROM item).
      start = this.tokens[before]!.start;
      prefix = 'SELECT * FROM ';
    }
    const visible = span.aliasText ?? sqlIdentifier('postgres', asString(rangeVar['relname']) ?? '');
    const condition = predicateSql('postgres', filter.predicate, INNER_ALIAS);
    this.edits.push({
      start,
      end: span.end,
      text: `${prefix}(SELECT * FROM ${only}${span.nameText} AS ${INNER_ALIAS} WHERE ${condition}) AS ${visible}${span.columnAliasText ?? ''}`,
    });
    this.cover(table);
  }

  /** UPDATE/DELETE target: the predicate, qualified by the target's visible name, joins the WHERE. */
  private restrictTarget(relation: PgNode, where: unknown, table: string, filter: AppliedRowFilter): void {
    if (unwrap(where)?.[0] === 'CurrentOfExpr') {
      throw new RewriteRefusal(`WHERE CURRENT OF on ${table} cannot be rewritten for its row filter`);
    }
    const first = this.tokenAtByte(relation['location']);
    const qualifier = sqlIdentifier('postgres', asString(asNode(relation['alias'])?.['aliasname']) ?? asString(relation['relname']) ?? '');
    const condition = predicateSql('postgres', filter.predicate, qualifier);
    this.edits.push(...whereSplice(this.request.text, this.tokens, first, this.tokens.length, RETURNING, where !== undefined, condition));
    this.cover(table);
  }

  private checkInsert(s: PgNode, table: string, filter: AppliedRowFilter): void {
    const rules = filter.rules.join(', ');
    const conflict = asNode(s['onConflictClause']);
    if (conflict && asString(conflict['action']) === 'ONCONFLICT_UPDATE') {
      throw new RewriteRefusal(`INSERT … ON CONFLICT DO UPDATE into ${table} cannot be checked against the row filter of rule ${rules}`);
    }
    const select = asNode(asNode(s['selectStmt'])?.['SelectStmt']);
    const rows = asList(select?.['valuesLists']);
    if (!select || rows.length === 0 || select['withClause'] || select['sortClause'] || select['limitCount']) {
      throw new RewriteRefusal(
        `INSERT into ${table} must use literal VALUES so each row can be checked against the row filter of rule ${rules}`,
      );
    }
    const targets = asList(s['cols']).map((col) => asNode(col['ResTarget']) ?? {});
    const columns = targets.map((target) => asString(target['name']) ?? '');
    // `(region, region)` or `(region[1])`: which value lands in the column is not one literal.
    if (new Set(columns).size !== columns.length || targets.some((target) => asList(target['indirection']).length > 0)) {
      throw new RewriteRefusal(`INSERT into ${table} names a column twice or a part of a column; the row filter of rule ${rules} cannot be checked`);
    }
    rows.forEach((row, index) => {
      const items = asList(asNode(row['List'])?.['items']);
      checkInsertRow(filter, table, index + 1, (column) => {
        const position = columns.indexOf(column);
        return position < 0 ? undefined : postgresWrittenValue(items[position]);
      });
    });
    this.cover(table);
  }

  // ---- searching -----------------------------------------------------------------------------

  private dispatchWrapped(node: unknown, scope: CteScope): void {
    const unwrapped = unwrap(node);
    if (unwrapped) this.dispatch(unwrapped[0], unwrapped[1], scope);
  }

  private genericExcept(body: PgNode, scope: CteScope, skip: readonly string[]): void {
    for (const key in body) if (!skip.includes(key)) this.generic(body[key], scope);
  }

  /** Expressions and clauses: nested queries are rewritten; a table reference anywhere else is refused. */
  private generic(value: unknown, scope: CteScope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.generic(item, scope);
      return;
    }
    const node = asNode(value);
    if (!node) return;
    if (typeof node['relname'] === 'string') {
      this.refuseIfFiltered(node, scope, 'in a position the rewriter cannot filter');
      return;
    }
    for (const key in node) {
      const child = node[key];
      if (child === null || typeof child !== 'object') continue;
      if (key === 'FuncCall') this.refuseUnfilterableCall(child as PgNode);
      // EXPLAIN [ANALYZE] EXECUTE p, CREATE TABLE … AS EXECUTE p: a statement prepared earlier.
      if (key === 'ExecuteStmt') throw new RewriteRefusal('EXECUTE of a prepared statement cannot be rewritten for row filters');
      if (QUERY_NODES.has(key)) this.dispatch(key, child as PgNode, scope);
      else if (key === 'RangeVar') this.refuseIfFiltered(child as PgNode, scope, 'in a position the rewriter cannot filter');
      else this.generic(child, scope);
    }
  }

  /** A statement type that is never rewritten: any filtered table in it is a refusal. */
  private searchOnly(value: unknown, type: string): void {
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const item = stack.pop();
      if (Array.isArray(item)) {
        stack.push(...item);
        continue;
      }
      const node = asNode(item);
      if (!node) continue;
      if (typeof node['relname'] === 'string') {
        this.refuseIfFiltered(node, new CteScope(), `in a ${type} statement, which is not rewritten`);
      }
      const call = asNode(node['FuncCall']);
      if (call) this.refuseUnfilterableCall(call);
      for (const key in node) if (node[key] !== null && typeof node[key] === 'object') stack.push(node[key]);
    }
  }

  /** A call that runs SQL text or reads a table by name: nothing the rewriter can filter. */
  private refuseUnfilterableCall(call: PgNode): void {
    const name = stringList(call['funcname']).at(-1) ?? '';
    if (isPostgresUnfilterableFunction(name)) {
      throw new RewriteRefusal(`${name.toLowerCase()}() runs SQL text or reads data by name, which row filters cannot reach`);
    }
  }

  private refuseIfFiltered(rangeVar: PgNode, scope: CteScope, where: string): void {
    const found = this.filteredTable(rangeVar, scope);
    if (found) {
      throw new RewriteRefusal(`${found.table} (row filter of rule ${found.filter.rules.join(', ')}) is referenced ${where}`);
    }
  }

  private filteredTable(rangeVar: PgNode, scope: CteScope): { table: string; filter: AppliedRowFilter } | undefined {
    const relname = asString(rangeVar['relname']) ?? '';
    if (rangeVar['schemaname'] === undefined && rangeVar['catalogname'] === undefined && scope.has(relname)) return undefined;
    const filter = this.filterOf(rangeVar);
    return filter ? { table: this.names.relation(rangeVar), filter } : undefined;
  }

  /**
   * The filter of a relation. A name without a schema is found through the server's search_path,
   * which the session may have changed (`SET search_path`, `set_config`): a filter written for the
   * table in any schema applies to it too.
   */
  private filterOf(rangeVar: PgNode): AppliedRowFilter | undefined {
    const exact = this.request.filterFor(this.names.relation(rangeVar));
    if (exact || rangeVar['schemaname'] !== undefined) return exact;
    const database = asString(rangeVar['catalogname']) ?? this.names.database;
    return this.request.filterForAnySchema?.(database, asString(rangeVar['relname']) ?? '');
  }

  private tokenAtByte(location: unknown): number {
    if (typeof location !== 'number' || location < 0) throw new RewriteRefusal('the parser reported no location for a table reference');
    const index = this.byteToToken ? (this.byteToToken.get(location) ?? -1) : tokenStartingAt(this.tokens, location);
    if (index < 0) throw new RewriteRefusal('the parser and the lexer disagree about where a table reference starts');
    return index;
  }
}

/** Whether EXPLAIN options turn ANALYZE on (`ANALYZE`, `(ANALYZE)`, `(ANALYZE true|on|1)`). */
function explainAnalyzes(body: PgNode): boolean {
  return asList(body['options']).some((option) => {
    const element = asNode(option['DefElem']);
    if (asString(element?.['defname']) !== 'analyze') return false;
    const arg = asNode(element?.['arg']);
    if (!arg) return true;
    const text = asString(asNode(arg['String'])?.['sval'])?.toLowerCase();
    if (text !== undefined) return !['false', 'off', 'no', '0'].includes(text);
    const integer = asNode(arg['Integer']);
    return integer ? integer['ival'] !== undefined && integer['ival'] !== 0 : true;
  });
}

/** UTF-8 byte offset of each token start → token index; undefined for ASCII text (bytes = indexes). */
function byteStarts(text: string, tokens: readonly Token[]): Map<number, number> | undefined {
  if (Buffer.byteLength(text, 'utf8') === text.length) return undefined;
  const out = new Map<number, number>();
  let bytes = 0;
  let at = 0;
  tokens.forEach((token, index) => {
    bytes += Buffer.byteLength(text.slice(at, token.start), 'utf8');
    at = token.start;
    out.set(bytes, index);
  });
  return out;
}
