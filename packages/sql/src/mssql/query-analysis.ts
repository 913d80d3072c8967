import type { ClassifyContext } from '../dialect-module.js';
import type { ColumnLineage } from '@gatehouse/core';
import type { AstNode } from '../nsp/ast-node.js';
import { asArray, asNode, nameOf, selectOf } from '../nsp/ast-node.js';
import { ObjectAccumulator } from '../nsp/object-accumulator.js';
import type { DerivedColumns } from '../nsp/scope.js';
import { Scope, derivedColumnSources, derivedStarSources } from '../nsp/scope.js';
import { qualifiedName } from './names.js';
import { UnsupportedTreeError } from './parser.js';

/** One output column of a query block. */
interface Output {
  readonly name: string;
  readonly sources: readonly string[];
  readonly direct: boolean;
  readonly star: boolean;
}

/** Keys of node-sql-parser nodes that hold no expressions (bookkeeping and literal payloads). */
const SKIPPED_KEYS = new Set(['loc', 'tableList', 'columnList']);

/** Table hints that may stand alone in the old `FROM t (hint, …)` form. */
const TABLE_HINTS = new Set(
  `NOLOCK READUNCOMMITTED READCOMMITTED READCOMMITTEDLOCK REPEATABLEREAD SERIALIZABLE SNAPSHOT HOLDLOCK
  UPDLOCK XLOCK ROWLOCK PAGLOCK TABLOCK TABLOCKX NOWAIT READPAST NOEXPAND FORCESCAN FORCESEEK
  KEEPIDENTITY KEEPDEFAULTS IGNORE_CONSTRAINTS IGNORE_TRIGGERS`.split(/\s+/),
);

/** Functions whose first argument is a date part (day, month, …) written as a bare word. */
const DATEPART_FUNCTIONS = new Set(['DATEADD', 'DATEDIFF', 'DATEDIFF_BIG', 'DATEPART', 'DATENAME', 'DATETRUNC', 'DATE_BUCKET']);

/**
 * Walks node-sql-parser's TransactSQL trees for SELECT, INSERT, UPDATE and DELETE: the tables read
 * and written with their columns, the SELECT list's lineage, the functions called, and how many
 * SELECT blocks the tree holds (the lexer's count must match, or the parser dropped something).
 *
 * T-SQL specifics of this tree: a two-part name arrives as { db: schema, table }, a three-part one
 * as { db, schema, table } and a four-part one with `server` as well; `SELECT a = b` is T-SQL's
 * alias form and arrives as a binary `=`; `SELECT @v = x` assigns a variable and returns nothing.
 */
export class QueryAnalysis {
  readonly objects = new ObjectAccumulator();
  readonly functions = new Set<string>();
  selectCount = 0;
  /** Table-valued functions in FROM: columns read from them are not table columns. */
  private readonly functionSources = new Set<string>();
  /** SELECT … INTO: the new table. */
  intoTable: string | undefined;

  constructor(private readonly context: ClassifyContext) {}

  /** Top-level SELECT: returns its lineage. */
  select(node: AstNode): ColumnLineage[] {
    const outputs = this.query(node, undefined, new Map());
    const lineage: ColumnLineage[] = [];
    let fixed = true;
    outputs.forEach((output, position) => {
      const entry: ColumnLineage = fixed
        ? { output: output.name, position, sources: output.sources, direct: output.direct }
        : { output: output.name, sources: output.sources, direct: output.direct };
      lineage.push(entry);
      // After a star the number of columns it expands to is unknown, so later positions are too.
      if (output.star) fixed = false;
    });
    return lineage;
  }

  insert(node: AstNode): void {
    const target = this.tableName(asArray(node.table)[0]);
    const columns = this.objects.touch('write', 'table', target);
    for (const column of asArray(node.columns)) {
      const name = nameOf(column);
      if (name) columns.add(name);
    }
    const scope = new Scope(undefined, new Map());
    const source = selectOf(node.values);
    if (source) this.query(source, undefined, new Map());
    else this.expression(node.values, scope);
  }

  /** UPDATE … SET … [FROM …] [WHERE …]: returns whether a WHERE bounds it. */
  update(node: AstNode): boolean {
    const scope = new Scope(undefined, new Map());
    const targetNode = topTarget(asNode(asArray(node.table)[0]));
    if (!targetNode || typeof targetNode.table !== 'string') throw new UnsupportedTreeError('UPDATE target');
    const from = asArray(node.from);
    if (from.length > 0) this.fromItems(from, scope);
    else scope.sources.push({ alias: targetNode.table, base: this.tableName(targetNode) });
    const target = this.resolveTarget(targetNode, scope);
    const written = this.objects.touch('write', 'table', target);
    for (const item of asArray(node.set)) {
      const set = asNode(item);
      const column = set && nameOf(set.column);
      if (!set || !column) throw new UnsupportedTreeError('UPDATE SET');
      written.add(column);
      this.expression(set.value, scope);
    }
    this.expression(node.where, scope);
    this.objects.dropEmptyReadsOfWritten();
    return bounded(node.where);
  }

  /** DELETE [TOP (n)] [FROM] t [FROM …] [WHERE …]: returns whether a WHERE bounds it. */
  delete(node: AstNode): boolean {
    const scope = new Scope(undefined, new Map());
    const from = asArray(node.from);
    const named = asArray(node.table)
      .map(asNode)
      .find((t) => t !== undefined && typeof t.table === 'string');
    const targetNode = named ?? asNode(from[0]);
    if (!targetNode || typeof targetNode.table !== 'string') throw new UnsupportedTreeError('DELETE target');
    this.fromItems(from, scope);
    this.objects.touch('write', 'table', this.resolveTarget(targetNode, scope));
    this.expression(node.where, scope);
    this.objects.dropEmptyReadsOfWritten();
    return bounded(node.where);
  }

  private resolveTarget(targetNode: AstNode, scope: Scope): string {
    const alias = targetNode.table as string;
    if (!targetNode.db && !targetNode.schema) {
      const source = scope.findAlias(alias);
      if (source?.base) return source.base;
    }
    return this.tableName(targetNode);
  }

  private tableName(value: unknown): string {
    const node = asNode(value);
    if (!node || typeof node.table !== 'string') throw new UnsupportedTreeError('table name');
    return qualifiedName(tableParts(node), this.context);
  }

  /** One query block (with its set-operation chain); registers reads and returns its outputs. */
  private query(node: AstNode, parent: Scope | undefined, outerCtes: ReadonlyMap<string, DerivedColumns>): Output[] {
    const ctes = new Map(outerCtes);
    for (const item of asArray(node.with)) {
      const cte = asNode(item);
      const name = cte && nameOf(cte.name);
      const body = cte && selectOf(asNode(cte.stmt)?.ast ?? cte.stmt);
      if (!name || !body) throw new UnsupportedTreeError('WITH');
      // Registered before its body is read, so a recursive CTE resolves to itself, not to a table.
      const placeholder: DerivedColumns = { columns: [], star: [] };
      ctes.set(name.toLowerCase(), placeholder);
      const outputs = this.query(body, parent, ctes);
      const names = asArray(cte.columns).map(nameOf);
      ctes.set(name.toLowerCase(), derivedOf(outputs, names));
    }

    this.selectCount++;
    const scope = new Scope(parent, ctes);
    this.fromItems(asArray(node.from), scope);
    const into = asNode(node.into);
    if (into && into.expr !== undefined && into.expr !== null) {
      const intoName = typeof into.expr === 'string' ? into.expr : nameOf(into.expr);
      if (!intoName) throw new UnsupportedTreeError('SELECT INTO');
      this.intoTable = qualifiedName(intoName.split('.'), this.context);
    }

    let outputs: Output[] = [];
    for (const item of asArray(node.columns)) outputs.push(...this.selectItem(item, scope));
    for (const key of ['where', 'groupby', 'having', 'orderby', 'top', 'limit', 'window', 'qualify']) {
      this.expression(node[key], scope);
    }
    const forClause = asNode(node.for);
    if (forClause) {
      // FOR JSON / FOR XML folds every column into one document: derived, not the values themselves.
      outputs = outputs.map((o) => ({ ...o, direct: false }));
    }
    const next = asNode(node._next);
    if (next) {
      const other = this.query(next, parent, outerCtes);
      outputs = outputs.map((o, i) => {
        const right = other[i];
        return right ? { ...o, sources: [...o.sources, ...right.sources], direct: o.direct && right.direct } : o;
      });
    }
    return outputs;
  }

  private fromItems(items: readonly unknown[], scope: Scope): void {
    const joins: unknown[] = [];
    for (const raw of items) {
      const item = asNode(raw);
      if (!item) throw new UnsupportedTreeError('FROM item');
      if (item.on !== undefined && item.on !== null) joins.push(item.on);
      const alias = typeof item.as === 'string' ? item.as : nameOf(item.as);
      if (typeof item.table === 'string' && item.expr === undefined) {
        const cte = !item.db && !item.schema ? scope.ctes.get(item.table.toLowerCase()) : undefined;
        if (cte) {
          scope.sources.push({ alias: alias ?? item.table, derived: cte });
          continue;
        }
        const name = this.tableName(item);
        scope.sources.push({ alias: alias ?? item.table, base: name });
        // A DML target's read entry is dropped later unless one of its columns is read.
        this.objects.touch('read', 'table', name);
        continue;
      }
      const sub = selectOf(asNode(item.expr)?.ast ?? item.expr);
      if (sub) {
        const outputs = this.query(sub, scope, scope.ctes);
        scope.sources.push({ alias: alias ?? '', derived: derivedOf(outputs, []) });
        continue;
      }
      const expr = asNode(item.expr);
      const hinted = expr && expr.type === 'function' ? this.hintedTable(expr) : undefined;
      if (hinted) {
        // `FROM t (NOLOCK)`: the old table-hint form, which the grammar reads as a call t(NOLOCK).
        scope.sources.push({ alias: alias ?? hinted.split('.').pop()!, base: hinted });
        this.objects.touch('read', 'table', hinted);
        continue;
      }
      if (expr && expr.type === 'function') {
        // Table-valued function (FROM dbo.fn(…), CROSS APPLY fn(…)): its columns are its own.
        const fn = this.functionName(expr);
        this.objects.touch('execute', 'function', fn);
        this.expression(expr.args, scope);
        this.functionSources.add(fn);
        scope.sources.push({ alias: alias ?? '', base: fn });
        continue;
      }
      throw new UnsupportedTreeError('FROM item shape');
    }
    for (const on of joins) this.expression(on, scope);
  }

  private selectItem(raw: unknown, scope: Scope): Output[] {
    const item = asNode(raw);
    if (!item) throw new UnsupportedTreeError('select item');
    const expr = asNode(item.expr);
    if (!expr) throw new UnsupportedTreeError('select expression');
    const alias = typeof item.as === 'string' ? item.as : nameOf(item.as);
    if (expr.type === 'column_ref' && expr.column === '*') {
      const qualifier = typeof expr.table === 'string' ? expr.table : null;
      return [{ name: '*', sources: this.star(qualifier, scope), direct: true, star: true }];
    }
    // T-SQL `SELECT name = expr` (alias) and `SELECT @v = expr` (assignment, no output column).
    if (expr.type === 'binary_expr' && expr.operator === '=' && !alias) {
      const left = asNode(expr.left);
      if (left && left.type === 'column_ref' && !left.table && typeof left.column === 'string') {
        const sources = this.expression(expr.right, scope);
        if (left.column.startsWith('@')) return [];
        return [{ name: left.column, sources, direct: isDirect(expr.right), star: false }];
      }
      if (left && (left.type === 'single_quote_string' || left.type === 'var_string')) {
        // `SELECT 'label' = expr`: the name is a literal, which never leaves the package.
        const sources = this.expression(expr.right, scope);
        return [{ name: '?', sources, direct: isDirect(expr.right), star: false }];
      }
    }
    const sources = this.expression(expr, scope);
    const name = alias ?? (expr.type === 'column_ref' ? (nameOf(expr.column) ?? '') : '');
    return [{ name, sources, direct: isDirect(expr), star: false }];
  }

  private star(qualifier: string | null, scope: Scope): string[] {
    const sources = qualifier ? [scope.findAlias(qualifier)].filter((s) => s !== undefined) : scope.sources;
    if (qualifier && sources.length === 0) throw new UnsupportedTreeError('unknown star qualifier');
    const out: string[] = [];
    for (const source of sources) {
      if (source.base) {
        if (!this.functionSources.has(source.base)) this.objects.add('read', 'table', source.base, '*');
        out.push(`${source.base}.*`);
      } else if (source.derived) {
        out.push(...derivedStarSources(source.derived));
      }
    }
    return out;
  }

  /**
   * Registers every column, function and subquery in an expression and returns the source columns
   * its value derives from.
   */
  private expression(value: unknown, scope: Scope): string[] {
    const sources: string[] = [];
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const current = stack.pop();
      if (Array.isArray(current)) {
        for (const item of current) stack.push(item);
        continue;
      }
      const node = asNode(current);
      if (!node) continue;
      const sub = selectOf(node);
      if (sub) {
        for (const output of this.query(sub, scope, scope.ctes)) sources.push(...output.sources);
        continue;
      }
      if (node.type === 'column_ref') {
        sources.push(...this.column(node, scope));
        continue;
      }
      if (node.type === 'function' || node.type === 'aggr_func') {
        const name = this.functionName(node).split('.').pop()!.toUpperCase();
        this.functions.add(name);
        if (DATEPART_FUNCTIONS.has(name)) {
          // DATEADD(day, …): the first argument is a date part keyword, not a column.
          const args = asArray(asNode(node.args)?.value);
          const first = asNode(args[0]);
          if (first?.type === 'column_ref' && !first.table) {
            stack.push(args.slice(1));
            continue;
          }
        }
      }
      for (const key in node) if (!SKIPPED_KEYS.has(key)) stack.push(node[key]);
    }
    return sources;
  }

  private column(node: AstNode, scope: Scope): string[] {
    const column = nameOf(node.column);
    if (!column) throw new UnsupportedTreeError('column name');
    // Variables and T-SQL's pseudo-columns are not table columns.
    if (column.startsWith('@') || column.startsWith('$')) return [];
    if (column === '*') return this.star(typeof node.table === 'string' ? node.table : null, scope);
    const qualifier = typeof node.table === 'string' ? node.table : null;
    const candidates = qualifier ? [scope.findAlias(qualifier)].filter((s) => s !== undefined) : scope.candidatesFor(column);
    if (qualifier && candidates.length === 0) {
      // A qualifier naming no FROM item (dbo.t.c written in full): match by table name.
      const byName = scope.sources.filter((s) => s.base?.toLowerCase().endsWith(`.${qualifier.toLowerCase()}`));
      if (byName.length === 0) throw new UnsupportedTreeError('unknown column qualifier');
      candidates.push(...byName);
    }
    const out: string[] = [];
    for (const source of candidates) {
      if (source.base) {
        if (!this.functionSources.has(source.base)) this.objects.add('read', 'table', source.base, column);
        out.push(`${source.base}.${column}`);
      } else if (source.derived) {
        out.push(...derivedColumnSources(source.derived, column));
      }
    }
    return out;
  }

  /**
   * The table of `t (NOLOCK, …)`, which the grammar reads as a function call: a call whose
   * arguments are all bare table-hint words (no function takes a bare hint keyword).
   */
  private hintedTable(call: AstNode): string | undefined {
    const args = asArray(asNode(call.args)?.value);
    if (args.length === 0) return undefined;
    for (const arg of args) {
      const node = asNode(arg);
      const column = node?.type === 'column_ref' && !node.table ? nameOf(node.column) : undefined;
      if (!column || !TABLE_HINTS.has(column.toUpperCase())) return undefined;
    }
    const name = asNode(call.name);
    const last = asArray(name?.name).map(nameOf).at(-1);
    if (!last) return undefined;
    const schema = nameOf(name?.schema);
    return qualifiedName(schema ? [schema, last] : [last], this.context);
  }

  private functionName(node: AstNode): string {
    if (node.type === 'aggr_func') return typeof node.name === 'string' ? node.name : '?';
    const name = asNode(node.name);
    const parts = asArray(name?.name).map(nameOf);
    const schema = nameOf(name?.schema);
    const last = parts.at(-1);
    if (!last) throw new UnsupportedTreeError('function name');
    return schema ? qualifiedName([schema, last], this.context) : last;
  }
}

/** UPDATE TOP (n) t arrives as a TOP "function" aliased t: the alias is the target's name. */
function topTarget(node: AstNode | undefined): AstNode | undefined {
  if (!node || node.type !== 'expr' || typeof node.as !== 'string') return node;
  const fn = asNode(node.expr);
  const name = asArray(asNode(fn?.name)?.name).map(nameOf)[0];
  return name?.toUpperCase() === 'TOP' ? { table: node.as } : node;
}

/** The name parts node-sql-parser's TransactSQL grammar stores (see the class comment). */
function tableParts(node: AstNode): string[] {
  const table = node.table as string;
  const db = typeof node.db === 'string' ? node.db : undefined;
  const schema = typeof node.schema === 'string' ? node.schema : undefined;
  if (schema !== undefined) return [db ?? '', schema, table];
  if (db !== undefined) return [db, table];
  return [table];
}

function derivedOf(outputs: readonly Output[], names: ReadonlyArray<string | null>): DerivedColumns {
  const columns: Array<{ name: string; sources: readonly string[] }> = [];
  const star: string[] = [];
  outputs.forEach((output, i) => {
    if (output.star) star.push(...output.sources);
    else columns.push({ name: names[i] ?? output.name, sources: output.sources });
  });
  return { columns, star };
}

/** The value is the source value itself: a column, possibly cast. */
function isDirect(value: unknown): boolean {
  const node = asNode(value);
  if (!node) return false;
  if (node.type === 'column_ref') return true;
  if (node.type === 'cast') return isDirect(node.expr);
  return false;
}

/**
 * A WHERE that refers to at least one column. A filter of constants and variables only (`1 = 1`,
 * `@x = @x`) is unbounded. This must not look at literal values: classifications are cached by
 * fingerprint, where `1 = 1` and `1 = 2` are the same statement.
 */
function bounded(where: unknown): boolean {
  const stack: unknown[] = [where];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...current);
      continue;
    }
    const node = asNode(current);
    if (!node) continue;
    if (node.type === 'column_ref') {
      const column = nameOf(node.column);
      if (column && !column.startsWith('@')) return true;
      continue;
    }
    // A subquery filter (EXISTS / IN (SELECT …)) bounds the statement by the rows it matches.
    if (selectOf(node)) return true;
    for (const key in node) if (key !== 'loc') stack.push(node[key]);
  }
  return false;
}
