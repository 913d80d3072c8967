import type { StatementRange } from '../lexer/statement-ranges.js';
import type { Token } from '../lexer/token.js';
import { lexMssql } from '../mssql/lexer.js';
import { qualifiedName } from '../mssql/names.js';
import { parseTransactSql } from '../mssql/parser.js';
import { splitMssql } from '../mssql/split.js';
import type { AstNode } from '../nsp/ast-node.js';
import { asArray, asNode, nameOf, selectOf } from '../nsp/ast-node.js';
import { definesRoutine } from './dynamic-sql.js';
import { checkInsertRow } from './insert-row-check.js';
import { lexedFromReferences } from './mssql-from-references.js';
import type { LexedFromReference } from './mssql-from-references.js';
import { offsetPreservingParseText } from './offset-parse-text.js';
import { predicateColumns, predicateSql } from './predicate-sql.js';
import { sqlIdentifier } from './sql-literals.js';
import { significant, tokenText } from './table-reference-span.js';
import type { AppliedRowFilter, RewriteRequest, TextEdit } from './types.js';
import { RewriteRefusal } from './types.js';
import { literalValueRows } from './value-rows.js';
import { whereSplice } from './where-splice.js';

const INNER_ALIAS = '[gatehouse_rf]';
const AFTER_WHERE = new Set(['OPTION']);
const BOOKKEEPING = new Set(['loc', 'tableList', 'columnList']);
const REMOTE_ROWSET_FUNCTIONS = new Set(['OPENROWSET', 'OPENQUERY', 'OPENDATASOURCE']);

/** A filtered base-table read the parser saw: matched against the lexer's references by (table, alias). */
interface ParsedRead {
  readonly table: string;
  readonly alias: string | null;
}

/**
 * Rewrites T-SQL text. node-sql-parser's T-SQL grammar reports no source locations, so the parser
 * says which filtered tables are read (and under which alias) and the lexer finds where FROM items
 * start; the two lists must match exactly, or the statement is refused. Reads become
 * `(SELECT * FROM t AS [gatehouse_rf] WHERE …) AS alias`; a single-table UPDATE/DELETE gets the
 * predicate ANDed into its WHERE; INSERT rows are checked statically. UPDATE … FROM / DELETE …
 * FROM … JOIN on a filtered table, table hints, CTEs named like a filtered table, MERGE and EXEC
 * are refused.
 */
export function rewriteMssql(request: RewriteRequest): { edits: TextEdit[]; tables: Set<string> } {
  const { text } = request;
  const lexed = lexMssql(text);
  if (lexed.problems.length > 0) throw new RewriteRefusal('the statement could not be read (unterminated quote or comment)');
  const tokens = lexed.tokens;
  const edits: TextEdit[] = [];
  const tables = new Set<string>();
  for (const range of splitMssql(lexed, text)) {
    const words = tokens.slice(range.firstToken, range.endToken).filter((t) => t.kind === 'word').map((t) => tokenText(text, t).toUpperCase());
    // EXEC anywhere (`IF … EXEC(…)`, `BEGIN EXEC … END`), not only first: its text is invisible here.
    if (words.some((word) => word === 'EXEC' || word === 'EXECUTE' || word === 'SP_EXECUTESQL')) {
      throw new RewriteRefusal('dynamic SQL (EXEC, sp_executesql) cannot be rewritten for row filters');
    }
    // Pass-through queries run SQL text on a linked server, possibly this one (loopback).
    const passThrough = words.find((word) => REMOTE_ROWSET_FUNCTIONS.has(word));
    if (passThrough) throw new RewriteRefusal(`${passThrough} runs a query the row filters cannot reach`);
    // Actual execution plans report per-operator row counts (ActualRowsRead counts rows a seek read
    // before the filter's residual predicate removed them) for every later statement of the session.
    if (words[0] === 'SET' && words[1] === 'STATISTICS' && (words.includes('PROFILE') || words.includes('XML'))) {
      throw new RewriteRefusal('SET STATISTICS PROFILE/XML reports row counts of rows outside the row filters');
    }
    if (definesRoutine(text, tokens, range.firstToken, range.endToken)) {
      throw new RewriteRefusal('procedures, functions and triggers cannot be defined or changed under row filters: their bodies run unfiltered');
    }
    const qualify = (parts: readonly string[]) => qualifiedName(parts, { dialect: 'mssql', ...contextOf(request) });
    const filterOf = (parts: readonly string[]) => filterOfParts(request, parts, qualify);
    if (!mentionsFilteredTable(request, tokens, range, filterOf)) continue;
    const parsed = parseTransactSql(offsetPreservingParseText(text, tokens, range.firstToken, range.endToken));
    const ast = Array.isArray(parsed) ? (parsed.length === 1 ? asNode(parsed[0]) : undefined) : asNode(parsed);
    if (!ast) throw new RewriteRefusal('a statement that names a filtered table did not parse, so it cannot be rewritten with certainty');
    const walker = new MssqlAstWalker(qualify, filterOf);
    walker.statement(ast);
    edits.push(...readEdits(request, tokens, range, walker.reads, qualify, filterOf));
    for (const read of walker.reads) tables.add(read.table);
    if (walker.target) {
      if (walker.target.kind === 'restrict') {
        const { condition } = walker.target;
        if (hasCurrentOf(text, tokens, range)) throw new RewriteRefusal('WHERE CURRENT OF on a filtered table cannot be rewritten');
        edits.push(...whereSplice(text, tokens, range.firstToken, range.endToken, AFTER_WHERE, ast.where !== null && ast.where !== undefined, condition));
      } else {
        checkInsertRows(request, tokens, range, walker.target.table, walker.target.filter, walker.target.columns, walker.target.rows);
      }
      tables.add(walker.target.table);
    }
  }
  return { edits, tables };
}

function contextOf(request: RewriteRequest): { database?: string; schema?: string } {
  return { ...(request.database !== undefined ? { database: request.database } : {}), ...(request.schema !== undefined ? { schema: request.schema } : {}) };
}

/** Whether any dotted name in the statement (1–3 parts) names a filtered table. */
/**
 * The filter of a dotted name. Without a schema (`t`, `db..t`) the server tries the user's default
 * schema and then dbo, which the gateway cannot see: a filter written for the table in any schema
 * applies too.
 */
function filterOfParts(request: RewriteRequest, parts: readonly string[], qualify: (parts: readonly string[]) => string): AppliedRowFilter | undefined {
  const exact = request.filterFor(qualify(parts));
  const n = parts.length;
  if (exact || (n >= 2 && parts[n - 2] !== '')) return exact;
  const database = (n >= 3 ? parts[n - 3] : undefined) || request.database || '?';
  return request.filterForAnySchema?.(database, parts[n - 1] ?? '');
}

function mentionsFilteredTable(request: RewriteRequest, tokens: readonly Token[], range: StatementRange, filterOf: (parts: readonly string[]) => AppliedRowFilter | undefined): boolean {
  for (let t = range.firstToken; t < range.endToken; t++) {
    const token = tokens[t]!;
    if (token.kind !== 'word' && token.kind !== 'quoted-ident') continue;
    const parts = [token.kind === 'quoted-ident' ? (token.value ?? '') : tokenText(request.text, token)];
    if (filterOf(parts)) return true;
    let u = t;
    while (parts.length < 4) {
      const dot = significant(tokens, u + 1);
      if (dot < 0 || dot >= range.endToken || tokenText(request.text, tokens[dot]) !== '.') break;
      const next = significant(tokens, dot + 1);
      const nextToken = tokens[next];
      if (tokenText(request.text, nextToken) === '.') {
        parts.push('');
        u = dot;
        continue;
      }
      if (!nextToken || (nextToken.kind !== 'word' && nextToken.kind !== 'quoted-ident')) break;
      parts.push(nextToken.kind === 'quoted-ident' ? (nextToken.value ?? '') : tokenText(request.text, nextToken));
      if (filterOf(parts)) return true;
      u = next;
    }
  }
  return false;
}

/** Lexer references that name filtered tables must be exactly the parser's filtered reads. */
function readEdits(
  request: RewriteRequest,
  tokens: readonly Token[],
  range: StatementRange,
  reads: readonly ParsedRead[],
  qualify: (parts: readonly string[]) => string,
  filterOf: (parts: readonly string[]) => AppliedRowFilter | undefined,
): TextEdit[] {
  const lexed: { reference: LexedFromReference; table: string; filter: AppliedRowFilter }[] = [];
  for (const reference of lexedFromReferences(request.text, tokens, range)) {
    const table = qualify(reference.parts);
    const filter = filterOf(reference.parts);
    if (!filter) continue;
    // `FROM t (NOLOCK)` is an old-style table hint, not a call: the parser may read either.
    if (reference.called) throw new RewriteRefusal(`${table} followed by a parenthesis (an old-style table hint) cannot be rewritten for its row filter`);
    lexed.push({ reference, table, filter });
  }
  const key = (table: string, alias: string | null) => `${table.toLowerCase()}\u0000${alias?.toLowerCase() ?? ''}`;
  const fromLexer = lexed
    .map(({ reference, table }) => key(table, reference.alias !== undefined ? aliasValue(request.text, tokens[reference.alias]!) : null))
    .sort();
  const fromParser = reads.map((read) => key(read.table, read.alias)).sort();
  if (fromLexer.length !== fromParser.length || fromLexer.some((k, i) => k !== fromParser[i])) {
    throw new RewriteRefusal('the parser and the lexer disagree about the filtered tables this statement reads (a CTE named like a filtered table is not supported in T-SQL)');
  }
  return lexed.map(({ reference, table, filter }) => {
    if (reference.hinted) throw new RewriteRefusal(`a table hint on ${table} cannot be kept through its row filter`);
    const nameText = request.text.slice(tokens[reference.first]!.start, tokens[reference.nameEnd]!.end);
    const visible = reference.alias !== undefined ? tokenText(request.text, tokens[reference.alias]) : sqlIdentifier('mssql', reference.parts.at(-1) ?? '');
    return {
      start: tokens[reference.first]!.start,
      end: tokens[reference.last]!.end,
      text: `(SELECT * FROM ${nameText} AS ${INNER_ALIAS} WHERE ${predicateSql('mssql', filter.predicate, INNER_ALIAS)}) AS ${visible}`,
    };
  });
}

function aliasValue(text: string, token: Token): string {
  return token.kind === 'quoted-ident' ? (token.value ?? '') : tokenText(text, token);
}

function hasCurrentOf(text: string, tokens: readonly Token[], range: StatementRange): boolean {
  for (let t = range.firstToken; t < range.endToken; t++) {
    if (tokenText(text, tokens[t]).toUpperCase() === 'CURRENT' && tokenText(text, tokens[significant(tokens, t + 1)]).toUpperCase() === 'OF') return true;
  }
  return false;
}

function checkInsertRows(
  request: RewriteRequest,
  tokens: readonly Token[],
  range: StatementRange,
  table: string,
  filter: AppliedRowFilter,
  columns: readonly string[],
  astRows: number,
): void {
  let open = -1;
  let depth = 0;
  for (let t = range.firstToken; t < range.endToken && open < 0; t++) {
    const raw = tokenText(request.text, tokens[t]);
    if (raw === '(') depth++;
    else if (raw === ')') depth--;
    else if (depth === 0 && raw.toUpperCase() === 'VALUES') open = significant(tokens, t + 1);
  }
  if (open < 0) throw new RewriteRefusal('could not find the VALUES of an INSERT');
  const rows = literalValueRows('mssql', request.text, tokens, open, range.endToken);
  if (rows.length !== astRows) throw new RewriteRefusal('the parser and the lexer disagree about the rows of an INSERT');
  rows.forEach((row, index) => {
    checkInsertRow(filter, table, index + 1, (column) => {
      const position = columns.findIndex((c) => c.toLowerCase() === column.toLowerCase());
      return position < 0 ? undefined : row[position];
    });
  });
}

type Target =
  | { readonly kind: 'restrict'; readonly table: string; readonly condition: string }
  | { readonly kind: 'insert'; readonly table: string; readonly filter: AppliedRowFilter; readonly columns: readonly string[]; readonly rows: number };

class CteScope {
  readonly names = new Set<string>();
  constructor(readonly parent?: CteScope) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

class MssqlAstWalker {
  readonly reads: ParsedRead[] = [];
  target: Target | undefined;

  constructor(
    private readonly qualify: (parts: readonly string[]) => string,
    private readonly filterOfParts: (parts: readonly string[]) => AppliedRowFilter | undefined,
  ) {}

  statement(ast: AstNode): void {
    switch (ast.type) {
      case 'select':
        return this.select(ast, new CteScope());
      case 'insert':
        return this.insert(ast);
      case 'update':
        return this.update(ast);
      case 'delete':
        return this.delete(ast);
      default:
        throw new RewriteRefusal(`a filtered table is named in a ${String(ast.type ?? 'unknown').toUpperCase()} statement, which is not rewritten`);
    }
  }

  private select(ast: AstNode, parent: CteScope): void {
    const scope = this.withClause(ast.with, parent);
    this.from(ast.from, scope);
    for (const key in ast) if (!['with', 'from', '_next'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
    const next = selectOf(ast._next);
    if (next) this.select(next, scope);
  }

  private update(ast: AstNode): void {
    const scope = this.withClause(ast.with, new CteScope());
    const target = asNode(asArray(ast.table)[0]);
    const name = target ? nameOf(target.table) : null;
    if (!target || !name || asArray(ast.table).length !== 1) throw new RewriteRefusal('could not read the target of an UPDATE');
    const table = this.tableName(target, name);
    const filter = scope.has(name) && !target.db ? undefined : this.filterOf(target, name);
    if (filter) {
      if (asArray(ast.from).length > 0) throw new RewriteRefusal(`UPDATE … FROM with the filtered table ${table} cannot be rewritten; update it alone`);
      for (const raw of asArray(ast.set)) {
        const column = nameOf(asNode(raw)?.column);
        // `SET @v = column = value` assigns the column too, and the parser reports only the variable.
        if (column === null || column.startsWith('@')) {
          throw new RewriteRefusal(`UPDATE of ${table} assigns a variable in SET; which columns it writes cannot be checked against the row filter of rule ${filter.rules.join(', ')}`);
        }
        for (const c of predicateColumns(filter.predicate)) {
          if (column?.toLowerCase() === c.toLowerCase()) {
            throw new RewriteRefusal(`UPDATE of ${table} sets column ${c}, which the row filter of rule ${filter.rules.join(', ')} depends on`);
          }
        }
      }
      this.target = { kind: 'restrict', table, condition: predicateSql('mssql', filter.predicate, sqlIdentifier('mssql', nameOf(target.as) ?? name)) };
    }
    // UPDATE alias SET … FROM t alias (or FROM (SELECT … FROM t) alias): the target is the filtered
    // table under another name, and SET could move its rows out of the filter. Names compare
    // case-insensitively, as the server's default collation does.
    for (const raw of asArray(ast.from)) {
      const item = asNode(raw) ?? {};
      const readsBefore = this.reads.length;
      this.from([raw], scope);
      const visible = nameOf(item.as) ?? nameOf(item.table);
      const read = this.reads[readsBefore];
      if (read && !target.db && visible?.toLowerCase() === name.toLowerCase()) {
        throw new RewriteRefusal(`UPDATE … FROM with the filtered table ${read.table} as its target cannot be rewritten; update it alone`);
      }
    }
    for (const key in ast) if (!['with', 'table', 'from', 'type'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
  }

  private delete(ast: AstNode): void {
    const scope = new CteScope();
    const from = asArray(ast.from).map((raw) => asNode(raw) ?? {});
    const targets = asArray(ast.table).map((raw) => asNode(raw) ?? {});
    const filtered = [...from, ...targets].find((item) => {
      const name = nameOf(item.table);
      return name !== null && this.filterOf(item, name) !== undefined;
    });
    if (filtered) {
      const name = nameOf(filtered.table)!;
      const table = this.tableName(filtered, name);
      if (from.length !== 1 || targets.length !== 1 || this.tableName(from[0]!, nameOf(from[0]!.table) ?? '') !== table) {
        throw new RewriteRefusal(`DELETE with a FROM list or join on the filtered table ${table} cannot be rewritten; delete from it alone`);
      }
      const filter = this.filterOf(filtered, name)!;
      this.target = { kind: 'restrict', table, condition: predicateSql('mssql', filter.predicate, sqlIdentifier('mssql', nameOf(from[0]!.as) ?? name)) };
    } else {
      this.from(ast.from, scope);
    }
    for (const key in ast) if (!['table', 'from', 'type'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], scope);
  }

  private insert(ast: AstNode): void {
    const target = asNode(asArray(ast.table)[0]);
    const name = target ? nameOf(target.table) : null;
    if (!target || !name) throw new RewriteRefusal('could not read the target of an INSERT');
    const table = this.tableName(target, name);
    const filter = this.filterOf(target, name);
    if (filter) {
      const values = asNode(ast.values);
      const rows = values?.type === 'values' ? asArray(values.values).length : 0;
      if (rows === 0) {
        throw new RewriteRefusal(`INSERT into ${table} must use literal VALUES so each row can be checked against the row filter of rule ${filter.rules.join(', ')}`);
      }
      const columns = asArray(ast.columns).map((c) => nameOf(c) ?? '');
      if (new Set(columns.map((c) => c.toLowerCase())).size !== columns.length) {
        throw new RewriteRefusal(`INSERT into ${table} names a column twice; the row filter of rule ${filter.rules.join(', ')} cannot be checked`);
      }
      this.target = { kind: 'insert', table, filter, columns, rows };
    }
    for (const key in ast) if (!['table', 'type', 'columns'].includes(key) && !BOOKKEEPING.has(key)) this.expr(ast[key], new CteScope());
  }

  private withClause(value: unknown, parent: CteScope): CteScope {
    const items = asArray(value).map((raw) => asNode(raw) ?? {});
    if (items.length === 0) return parent;
    const scope = new CteScope(parent);
    for (const item of items) {
      const body = selectOf(item.stmt) ?? selectOf(asNode(item.stmt)?.ast);
      if (!body) throw new RewriteRefusal('a WITH clause has a body the rewriter does not understand');
      const bodyScope = new CteScope(parent);
      // T-SQL CTEs may refer to themselves (recursion) and to earlier ones.
      for (const name of scope.names) bodyScope.names.add(name);
      bodyScope.names.add(nameOf(item.name) ?? '');
      this.select(body, bodyScope);
      scope.names.add(nameOf(item.name) ?? '');
    }
    return scope;
  }

  private from(value: unknown, scope: CteScope): void {
    for (const raw of asArray(value)) {
      const item = asNode(raw);
      if (!item) continue;
      const sub = selectOf(item.expr);
      const name = nameOf(item.table);
      if (sub) this.select(sub, scope);
      else if (name) this.read(item, name, scope);
      else this.expr(item.expr, scope);
      this.expr(item.on, scope);
    }
  }

  private read(item: AstNode, name: string, scope: CteScope): void {
    if (!item.db && !item.schema && scope.has(name)) return;
    const table = this.tableName(item, name);
    const filter = this.filterOf(item, name);
    if (!filter) return;
    if (item.table_hint || item.temporal_table) throw new RewriteRefusal(`a table hint or FOR SYSTEM_TIME on ${table} cannot be kept through its row filter`);
    this.reads.push({ table, alias: nameOf(item.as) });
  }

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
      const table = this.tableName(node, node.table);
      const filter = this.filterOf(node, node.table);
      if (filter) throw new RewriteRefusal(`${table} (row filter of rule ${filter.rules.join(', ')}) is referenced in a position the rewriter cannot filter`);
    }
    for (const key in node) if (!BOOKKEEPING.has(key)) this.expr(node[key], scope);
  }

  private tableName(item: AstNode, name: string): string {
    return this.qualify(this.tableParts(item, name));
  }

  private filterOf(item: AstNode, name: string): AppliedRowFilter | undefined {
    return this.filterOfParts(this.tableParts(item, name));
  }

  /** The parser puts a two-part name's schema in `db`, a three-part one in db + schema. */
  private tableParts(item: AstNode, name: string): string[] {
    if (item.server) throw new RewriteRefusal('a four-part (linked server) name cannot be filtered');
    const db = nameOf(item.db);
    const schema = nameOf(item.schema);
    return schema !== null ? [db ?? '', schema, name] : db !== null ? [db, name] : [name];
  }
}
