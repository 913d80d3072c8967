import type { StatementRange } from '../lexer/statement-ranges.js';
import type { Token } from '../lexer/token.js';
import { lexMysql } from '../mysql/lexer.js';
import { splitMysql } from '../mysql/split.js';
import type { AstNode } from '../nsp/ast-node.js';
import { asArray, asNode, nameOf, selectOf, unescapeName } from '../nsp/ast-node.js';
import { definesRoutine } from './dynamic-sql.js';
import { checkInsertRow } from './insert-row-check.js';
import type { MysqlLocationParser } from './mysql-location-parser.js';
import { conditionsSafeToMerge } from './mysql-merge-safety.js';
import { offsetPreservingParseText } from './offset-parse-text.js';
import { literalValueRows } from './value-rows.js';
import { predicateColumns, predicateSql } from './predicate-sql.js';
import { sqlIdentifier } from './sql-literals.js';
import { significant, tableReferenceSpan, tokenStartingAt, tokenText } from './table-reference-span.js';
import type { AppliedRowFilter, RewriteRequest, TextEdit } from './types.js';
import { RewriteRefusal } from './types.js';
import { whereSplice } from './where-splice.js';

const INNER_ALIAS = '`gatehouse_rf`';
const AFTER_WHERE = new Set(['ORDER', 'LIMIT', 'RETURNING']);
const BOOKKEEPING = new Set(['loc', 'tableList', 'columnList']);

/** CTE names visible at a point of the query (matched exactly: a miss only filters more). */
class CteScope {
  readonly names = new Set<string>();
  constructor(readonly parent?: CteScope) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

/**
 * Rewrites MySQL/MariaDB text: our lexer is the authority on statement boundaries, quoting and
 * comments; node-sql-parser (given an offset-preserving, literal-free copy) says which tokens are
 * table references. Reads become `(SELECT * FROM t AS gatehouse_rf WHERE …) AS alias`; every
 * filtered table of an UPDATE/DELETE table list gets the predicate ANDed into the WHERE; INSERT
 * rows are checked statically; anything else naming a filtered table is refused.
 */
export function rewriteMysql(request: RewriteRequest, parser: MysqlLocationParser): { edits: TextEdit[]; tables: Set<string> } {
  const { text } = request;
  const lexed = lexMysql(text);
  if (lexed.problems.length > 0) throw new RewriteRefusal('the statement could not be read (unterminated quote or comment)');
  const tokens = lexed.tokens;
  if (tokens.some((t) => t.kind === 'exec-comment-start' || t.kind === 'exec-comment-end')) {
    throw new RewriteRefusal('executable comments (/*! … */) cannot be rewritten with certainty');
  }
  const edits: TextEdit[] = [];
  const tables = new Set<string>();
  for (const range of splitMysql(lexed, text)) {
    const first = tokenText(text, tokens[range.firstToken]).toUpperCase();
    if (first === 'PREPARE' || first === 'EXECUTE' || first === 'CALL') {
      throw new RewriteRefusal('dynamic SQL and procedure calls (PREPARE, EXECUTE, CALL) cannot be rewritten for row filters');
    }
    if (definesRoutine(text, tokens, range.firstToken, range.endToken)) {
      throw new RewriteRefusal('procedures, functions, triggers and events cannot be defined or changed under row filters: their bodies run unfiltered');
    }
    if (!mentionsFilteredTable(request, tokens, range) || isMetadataOnly(text, tokens, range)) continue;
    const parseText = offsetPreservingParseText(text, tokens, range.firstToken, range.endToken);
    const ast = parser.parseOne(parseText);
    const walker = new MysqlRewriteWalker(request, tokens, range, conditionsSafeToMerge(ast));
    walker.statement(asNode(ast));
    edits.push(...walker.edits);
    for (const table of walker.tables) tables.add(table);
  }
  return { edits, tables };
}

/** Words that make SHOW/DESCRIBE run or explain a query instead of listing metadata. */
const QUERY_WORDS = new Set(['SELECT', 'UPDATE', 'DELETE', 'INSERT', 'REPLACE', 'WITH', 'TABLE', 'VALUES', 'ANALYZE', 'EXPLAIN', 'FOR', 'FORMAT', 'EXTENDED', 'PARTITIONS', 'HANDLER']);

/**
 * `SHOW COLUMNS FROM t`, `SHOW CREATE TABLE t`, `SHOW INDEX FROM t`, `DESCRIBE t [column]`: metadata,
 * not rows, so tools keep working under row filters. Not `DESC SELECT …` (EXPLAIN), `SHOW EXPLAIN
 * FOR`, nor anything with a subquery (`SHOW … WHERE (SELECT …)` reads rows).
 */
function isMetadataOnly(text: string, tokens: readonly Token[], range: StatementRange): boolean {
  const first = tokenText(text, tokens[range.firstToken]).toUpperCase();
  if (first !== 'SHOW' && first !== 'DESCRIBE' && first !== 'DESC') return false;
  // SHOW CREATE TABLE / SHOW TABLE STATUS name TABLE; only a query makes SHOW read rows.
  const forbidden = first === 'SHOW' ? SHOW_QUERY_WORDS : QUERY_WORDS;
  for (let t = range.firstToken + 1; t < range.endToken; t++) {
    const token = tokens[t]!;
    if (token.kind === 'word' && forbidden.has(tokenText(text, token).toUpperCase())) return false;
  }
  return true;
}

const SHOW_QUERY_WORDS = new Set(['SELECT', 'EXPLAIN', 'ANALYZE']);

/**
 * Whether any identifier of the statement, alone or as `db.table`, names a filtered table. A
 * statement that never names one (SET, COMMIT, SHOW …) needs no parse and no rewrite.
 */
function mentionsFilteredTable(request: RewriteRequest, tokens: readonly Token[], range: StatementRange): boolean {
  const database = request.database ?? '?';
  for (let t = range.firstToken; t < range.endToken; t++) {
    const token = tokens[t]!;
    if (token.kind !== 'word' && token.kind !== 'quoted-ident') continue;
    const name = identifierValue(request.text, token);
    if (request.filterFor(`${database}.${name}`)) return true;
    const dot = significant(tokens, t + 1);
    const next = dot >= 0 && dot < range.endToken && tokenText(request.text, tokens[dot]) === '.' ? tokens[significant(tokens, dot + 1)] : undefined;
    if (next && (next.kind === 'word' || next.kind === 'quoted-ident') && request.filterFor(`${name}.${identifierValue(request.text, next)}`)) return true;
  }
  return false;
}

function identifierValue(text: string, token: Token): string {
  return token.kind === 'quoted-ident' ? (token.value ?? '') : tokenText(text, token);
}

/**
 * The filtered read of a table, as a derived table the optimizer cannot merge into the outer query.
 * A merged derived table puts the client's WHERE before the filter (MariaDB evaluates AND left to
 * right), so `WHERE EXP(IF(name = 'x', 1000, 0)) > 0` would fail the statement exactly when a row
 * outside the filter is named 'x' (an error oracle; SLEEP gives a timing one). A UNION ALL derived
 * table is materialized instead; the client's conditions are pushed into it after the filter (so
 * an index on them is still used), and the empty branch reads no row. Materializing costs a copy of
 * the filtered rows when nothing can be pushed (`LIMIT 10`, joins), so it is used only when some
 * WHERE/ON of the statement is more than plain comparisons (conditionsSafeToMerge).
 */
function fencedRead(nameText: string, condition: string): string {
  return `(SELECT * FROM ${nameText} AS ${INNER_ALIAS} WHERE ${condition} UNION ALL SELECT * FROM ${nameText} AS ${INNER_ALIAS} WHERE FALSE)`;
}

class MysqlRewriteWalker {
  readonly edits: TextEdit[] = [];
  readonly tables = new Set<string>();
  private readonly database: string;

  constructor(
    private readonly request: RewriteRequest,
    private readonly tokens: readonly Token[],
    private readonly range: StatementRange,
    /** Every WHERE/ON is plain comparisons: reads may stay mergeable derived tables (see fencedRead). */
    private readonly mergeable: boolean,
  ) {
    this.database = request.database ?? '?';
  }

  statement(ast: AstNode | undefined): void {
    switch (ast?.type) {
      case 'select':
        return this.select(ast, new CteScope());
      case 'insert':
      case 'replace':
        return this.insert(ast, ast.type);
      case 'update':
        return this.update(ast);
      case 'delete':
        return this.delete(ast);
      default:
        throw new RewriteRefusal(`a filtered table is named in a ${String(ast?.type ?? 'unknown').toUpperCase()} statement, which is not rewritten`);
    }
  }

  private select(ast: AstNode, parent: CteScope): void {
    const scope = this.withClause(ast.with, parent);
    this.from(ast.from, scope);
    for (const key in ast) if (!['with', 'from', '_next'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
    // A set operation's WITH covers every branch.
    const next = selectOf(ast._next);
    if (next) this.select(next, scope);
  }

  private update(ast: AstNode): void {
    const scope = this.withClause(ast.with, new CteScope());
    const conditions = this.restrictTables(ast.table, scope);
    if (conditions.length > 0) {
      for (const raw of asArray(ast.set)) {
        const column = nameOf(asNode(raw)?.column);
        for (const filtered of conditions) {
          for (const c of predicateColumns(filtered.filter.predicate)) {
            if (column && unescapeName(column).toLowerCase() === c.toLowerCase()) {
              throw new RewriteRefusal(
                `UPDATE of ${filtered.table} sets column ${c}, which the row filter of rule ${filtered.filter.rules.join(', ')} depends on`,
              );
            }
          }
        }
      }
    }
    for (const key of Object.keys(ast)) if (!['with', 'table', 'type'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
    this.spliceWhere(ast.where, conditions);
  }

  private delete(ast: AstNode): void {
    const scope = this.withClause(ast.with, new CteScope());
    const conditions = this.restrictTables(ast.from, scope);
    for (const key of Object.keys(ast)) if (!['with', 'table', 'from', 'type'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
    this.spliceWhere(ast.where, conditions);
  }

  private insert(ast: AstNode, type: string): void {
    const target = asNode(asArray(ast.table)[0]);
    const name = target ? nameOf(target.table) : null;
    if (!target || !name) throw new RewriteRefusal('could not read the target of an INSERT');
    const table = this.qualify(target, name);
    const filter = this.request.filterFor(table);
    const values = asNode(ast.values);
    if (filter) this.checkInsert(ast, type, table, filter, values);
    const scope = new CteScope();
    for (const key of Object.keys(ast)) if (!['table', 'type', 'columns'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
  }

  private checkInsert(ast: AstNode, type: string, table: string, filter: AppliedRowFilter, values: AstNode | undefined): void {
    const rules = filter.rules.join(', ');
    if (type === 'replace') throw new RewriteRefusal(`REPLACE into ${table} could delete rows outside the row filter of rule ${rules}`);
    if (ast.on_duplicate_update) {
      throw new RewriteRefusal(`INSERT … ON DUPLICATE KEY UPDATE into ${table} cannot be checked against the row filter of rule ${rules}`);
    }
    const astRows = values?.type === 'values' ? asArray(values.values) : [];
    if (astRows.length === 0) {
      throw new RewriteRefusal(`INSERT into ${table} must use literal VALUES so each row can be checked against the row filter of rule ${rules}`);
    }
    const columns = asArray(ast.columns).map((c) => unescapeName(nameOf(c) ?? '').toLowerCase());
    if (new Set(columns).size !== columns.length) {
      throw new RewriteRefusal(`INSERT into ${table} names a column twice; the row filter of rule ${rules} cannot be checked`);
    }
    const open = this.valuesOpen();
    const rows = literalValueRows('mysql', this.request.text, this.tokens, open, this.range.endToken);
    if (rows.length !== astRows.length) throw new RewriteRefusal('the parser and the lexer disagree about the rows of an INSERT');
    rows.forEach((row, index) => {
      if (row.length !== asArray(asNode(astRows[index])?.value).length) {
        throw new RewriteRefusal('the parser and the lexer disagree about the values of an INSERT');
      }
      checkInsertRow(filter, table, index + 1, (column) => {
        const position = columns.indexOf(column.toLowerCase());
        return position < 0 ? undefined : row[position];
      });
    });
    this.tables.add(table);
  }

  /** The `(` of the first row after the top-level VALUES/VALUE keyword. */
  private valuesOpen(): number {
    let depth = 0;
    for (let t = this.range.firstToken; t < this.range.endToken; t++) {
      const token = this.tokens[t]!;
      const raw = tokenText(this.request.text, token);
      if (token.kind === 'punct' && raw === '(') depth++;
      else if (token.kind === 'punct' && raw === ')') depth--;
      else if (depth === 0 && token.kind === 'word' && ['VALUES', 'VALUE'].includes(raw.toUpperCase())) return significant(this.tokens, t + 1);
    }
    throw new RewriteRefusal('could not find the VALUES of an INSERT');
  }

  // ---- clauses -------------------------------------------------------------------------------

  private withClause(value: unknown, parent: CteScope): CteScope {
    const items = asArray(value).map((raw) => asNode(raw) ?? {});
    if (items.length === 0) return parent;
    const scope = new CteScope(parent);
    const recursive = items.some((item) => item.recursive === true);
    const names = items.map((item) => unescapeName(nameOf(item.name) ?? ''));
    if (recursive) for (const name of names) scope.names.add(name);
    items.forEach((item, i) => {
      const body = selectOf(item.stmt) ?? selectOf(asNode(item.stmt)?.ast);
      if (!body) throw new RewriteRefusal('a WITH clause has a body the rewriter does not understand');
      const bodyScope = new CteScope(parent);
      for (const name of scope.names) bodyScope.names.add(name);
      this.select(body, bodyScope);
      scope.names.add(names[i]!);
    });
    return scope;
  }

  private from(value: unknown, scope: CteScope): void {
    for (const raw of asArray(value)) {
      const item = asNode(raw);
      if (!item || item.type === 'dual') continue;
      const sub = selectOf(item.expr);
      const table = nameOf(item.table);
      if (sub) this.select(sub, scope);
      else if (table) this.readReference(item, table, scope);
      else this.expr(item.expr, scope);
      this.expr(item.on, scope);
    }
  }

  /**
   * UPDATE/DELETE table lists: derived tables and join conditions are walked; every filtered base
   * table (written or only joined) is restricted through the WHERE, qualified by its visible name.
   */
  private restrictTables(value: unknown, scope: CteScope): { table: string; filter: AppliedRowFilter; condition: string }[] {
    const conditions: { table: string; filter: AppliedRowFilter; condition: string }[] = [];
    for (const raw of asArray(value)) {
      const item = asNode(raw);
      if (!item) continue;
      const sub = selectOf(item.expr);
      const name = nameOf(item.table);
      if (sub) this.select(sub, scope);
      else if (name && !(nameOf(item.db) === null && scope.has(unescapeName(name)))) {
        const table = this.qualify(item, name);
        const filter = this.request.filterFor(table);
        if (filter) {
          const visible = unescapeName(nameOf(item.as) ?? unescapeName(name));
          conditions.push({ table, filter, condition: predicateSql('mysql', filter.predicate, sqlIdentifier('mysql', visible)) });
          this.tables.add(table);
        }
      } else if (!name) this.expr(item.expr, scope);
      this.expr(item.on, scope);
    }
    return conditions;
  }

  private spliceWhere(where: unknown, conditions: readonly { condition: string }[]): void {
    if (conditions.length === 0) return;
    const condition = conditions.map((c) => c.condition).join(' AND ');
    this.edits.push(
      ...whereSplice(this.request.text, this.tokens, this.range.firstToken, this.range.endToken, AFTER_WHERE, where !== null && where !== undefined, condition),
    );
  }

  private readReference(item: AstNode, name: string, scope: CteScope): void {
    const db = nameOf(item.db);
    const bare = unescapeName(name);
    if (db === null && scope.has(bare)) return;
    const table = this.qualify(item, name);
    const filter = this.request.filterFor(table);
    if (!filter) return;
    const location = asNode(asNode(item.loc)?.start)?.offset;
    if (typeof location !== 'number') throw new RewriteRefusal(`the parser reported no location for ${table}`);
    const first = tokenStartingAt(this.tokens, this.tokens[this.range.firstToken]!.start + location);
    if (first < 0) throw new RewriteRefusal('the parser and the lexer disagree about where a table reference starts');
    const span = tableReferenceSpan(this.request.text, this.tokens, first, {
      nameParts: db === null ? 1 : 2,
      hasAlias: nameOf(item.as) !== null,
      hasColumnAliases: false,
    });
    const visible = span.aliasText ?? sqlIdentifier('mysql', bare);
    const condition = predicateSql('mysql', filter.predicate, INNER_ALIAS);
    const read = this.mergeable ? `(SELECT * FROM ${span.nameText} AS ${INNER_ALIAS} WHERE ${condition})` : fencedRead(span.nameText, condition);
    this.edits.push({ start: span.start, end: span.end, text: `${read} AS ${visible}` });
    this.tables.add(table);
  }

  /** Expressions: subqueries are rewritten; a table reference in any other position is refused. */
  private expr(value: unknown, scope: CteScope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.expr(item, scope);
      return;
    }
    const node = asNode(value);
    if (!node) return;
    const sub = selectOf(node);
    if (sub) {
      this.select(sub, scope);
      return;
    }
    if (node.type === undefined && typeof node.table === 'string' && 'db' in node) {
      const table = this.qualify(node, node.table);
      const filter = nameOf(node.db) === null && scope.has(unescapeName(node.table)) ? undefined : this.request.filterFor(table);
      if (filter) throw new RewriteRefusal(`${table} (row filter of rule ${filter.rules.join(', ')}) is referenced in a position the rewriter cannot filter`);
    }
    for (const key in node) if (!BOOKKEEPING.has(key)) this.expr(node[key], scope);
  }

  private qualify(node: AstNode, table: string): string {
    const db = nameOf(node.db);
    return `${db === null ? this.database : unescapeName(db)}.${unescapeName(table)}`;
  }
}
